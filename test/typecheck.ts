/**
 * Type-checks snippets of TypeScript against the sources, for tests of the library's types
 * (what editors complete, what the compiler refuses) and of the README's examples. The files
 * are ES modules in a directory under node_modules/.cache, so that they resolve the project's
 * dependencies (vitest) as a user's code would.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** An import specifier for src/<module>.js, for a snippet. */
export const srcModule = (module: string): string => JSON.stringify(join(ROOT, 'src', `${module}.js`));

/** The compiler's messages for several snippets checked together, each prefixed `name: `. */
export function typeErrorsOf(files: Readonly<Record<string, string>>): string[] {
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'cbpf2ebpf-types-'));
  try {
    const paths = Object.entries(files).map(([name, code]) => {
      const path = join(dir, `${name}.mts`);
      writeFileSync(path, code);
      return path;
    });
    const program = ts.createProgram(paths, {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], skipLibCheck: true,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName.slice(dir.length + 1).replace(/\.mts$/, '')}: ` : '';
      return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The compiler's messages for one snippet, given as lines. */
export function typeErrors(lines: readonly string[]): string[] {
  return typeErrorsOf({ use: `${lines.join('\n')}\n` }).map((m) => m.replace(/^use: /, ''));
}
