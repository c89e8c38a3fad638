/**
 * yargs' failure messages in cbpf2ebpf's words: one line, in lower case like every other
 * message, naming what is missing or not known ("Not enough non-option arguments: got 1, need
 * at least 2" becomes "missing CAPTURE (cbpf2ebpf replay FILTER CAPTURE)"). A message not
 * recognised here keeps yargs' text, on one line.
 */

/**
 * The synopsis of the command that failed, from yargs' usage line (`$0 replay <filter>
 * <capture>`): `cbpf2ebpf replay FILTER CAPTURE`.
 */
function synopsis(usage: string): string {
  return usage.split('\n')[0]!.trim().replace(/^\$0\b/, 'cbpf2ebpf').replace(/<([^>]+)>/g, (_, name: string) => name.toUpperCase());
}

/** The required positionals of a synopsis, in order: FILTER, CAPTURE... */
function requiredPositionals(syn: string): string[] {
  return syn.split(/\s+/).filter((w) => /^[A-Z][A-Z0-9_-]*$/.test(w));
}

/** `cbpf2ebpf replay --help`: the command words of a synopsis, then --help. */
function helpCommand(syn: string): string {
  const words = syn.split(/\s+/);
  const end = words.findIndex((w, i) => i > 0 && !/^[a-z][a-z-]*$/.test(w));
  return `${words.slice(0, end < 0 ? words.length : end).join(' ')} --help`;
}

/** `--name` or `-n`, as the user would have typed the option. */
const optionSpelling = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);

/** Whether `name` was typed as an option (`--name`, `--name=v`, `--no-name`, `-n`, `-xn`) rather than a positional. */
function typedAsOption(name: string, tokens: readonly string[]): boolean {
  return tokens.some((t) =>
    name.length === 1
      ? /^-[A-Za-z]+(?:=|$)/.test(t) && t.slice(1).split('=')[0]!.includes(name)
      : t === `--${name}` || t.startsWith(`--${name}=`) || t === `--no-${name}`);
}

/** yargs quotes each value it lists (`"foo"`, `"jit", "interp"`); the values alone. */
const listed = (text: string): string[] => [...text.matchAll(/"((?:[^"\\]|\\.)*)"|([^\s,]+)/g)].map((m) => m[1] ?? m[2]!);

/**
 * The message for a yargs failure `message`, given the command line `tokens` and yargs' usage
 * line of the command that failed (undefined when yargs did not say).
 */
export function usageMessage(message: string, tokens: readonly string[], usage: string | undefined): string {
  const syn = usage !== undefined ? synopsis(usage) : undefined;
  let m: RegExpExecArray | null;

  if ((m = /^Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(message))) {
    const missing = syn !== undefined ? requiredPositionals(syn)[Number(m[1])] : undefined;
    if (missing !== undefined) return `missing ${missing} (${syn})`;
    const count = Number(m[2]) - Number(m[1]);
    return `missing ${count === 1 ? 'an argument' : `${count} arguments`}`;
  }
  if ((m = /^Unknown arguments?: (.*)$/s.exec(message))) {
    const problems = m[1]!.split(', ').map((name) =>
      typedAsOption(name, tokens) ? `unknown option ${optionSpelling(name)}` : `unexpected argument '${name}'`);
    return `${problems.join('; ')}${syn ? ` (see ${helpCommand(syn)})` : ''}`;
  }
  if (message.startsWith('Invalid values:')) {
    return [...message.matchAll(/Argument: (\S+), Given: (.*?), Choices: (.*)$/gm)]
      .map((c) => `${optionSpelling(c[1]!)} ${listed(c[2]!).map((v) => `'${v}'`).join(', ')}: expected one of ${listed(c[3]!).join(', ')}`)
      .join('; ');
  }
  if ((m = /^(?:Not enough arguments following|Missing argument values?): (.*)$/.exec(message))) {
    return m[1]!.split(', ').map((name) => `${optionSpelling(name)} needs a value`).join('; ');
  }
  // yargs messages can span lines ("Missing dependent arguments:\n ..."): keep one line.
  return message.replace(/\s*\n\s*/g, ' ');
}
