#!/usr/bin/env node
// Records libpcap's programs for the compiler's tests: for each expression of
// test/compile/expressions.mjs on each of its link types, `tcpdump -O -d -y LT -- EXPR`
// (unoptimized) and `tcpdump -d -y LT -- EXPR` (optimized), or tcpdump's error text when libpcap
// refuses the expression. Writes fixtures/compile/goldens.json. Run: node test/compile/make-goldens.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { EXPRESSIONS, LINKTYPES } from './expressions.mjs';

function tcpdump(args) {
  const r = spawnSync('tcpdump', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  const err = r.stderr.split('\n').filter((l) => l && !l.startsWith('Warning:')).join('\n');
  return r.status === 0 ? { listing: r.stdout } : { error: err.replace(/^tcpdump: /, '') };
}

const version = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n').join('; ');
const cases = [];
for (const linktype of LINKTYPES) {
  for (const expression of EXPRESSIONS) {
    const raw = tcpdump(['-O', '-d', '-y', linktype, '--', expression]);
    const opt = tcpdump(['-d', '-y', linktype, '--', expression]);
    const c = { linktype, expression };
    if (raw.error !== undefined) c.error = raw.error;
    else {
      c.unoptimized = raw.listing;
      if (opt.error !== undefined) c.optimizedError = opt.error;
      else c.optimized = opt.listing;
    }
    cases.push(c);
  }
}
mkdirSync('fixtures/compile', { recursive: true });
writeFileSync('fixtures/compile/goldens.json', `${JSON.stringify({ tool: version, snaplen: 262144, cases }, null, 1)}\n`);
console.log(`${cases.length} cases (${cases.filter((c) => c.error !== undefined).length} refused by libpcap)`);
