/** The language's own rules, beside the goldens: qualifier inheritance, names, options, positions. */
import { describe, expect, it } from 'vitest';
import { disassembleClassic } from '../../src/classic/disasm.js';
import { compileFilter } from '../../src/compile/index.js';
import { PROTOCOLS } from '../../src/compile/names/protocols.js';
import { SERVICES } from '../../src/compile/names/services.js';
import { ArgumentError, CompileError } from '../../src/errors.js';

const listing = (e: string, linktype = 'EN10MB'): string => disassembleClassic(compileFilter(e, { linktype, optimize: false }));

describe('the filter language', () => {
  it('repeats the qualifiers in force for a bare id, as libpcap does', () => {
    expect(listing('host 1.2.3.4 or 5.6.7.8')).toBe(listing('host 1.2.3.4 or host 5.6.7.8'));
    expect(listing('tcp dst port 80 or 443')).toBe(listing('tcp dst port 80 or tcp dst port 443'));
    expect(listing('not host 1.2.3.4 and 5.6.7.8')).toBe(listing('not host 1.2.3.4 and host 5.6.7.8'));
    expect(() => listing('tcp or 80')).toThrow(/syntax error/);
  });

  it('reads keywords as names after a backslash', () => {
    expect(listing('ip proto \\tcp')).toBe(listing('ip proto 6'));
    expect(() => listing('ip proto tcp')).toThrow(CompileError);
  });

  it('ships the netbase tables it falls back on', () => {
    expect(PROTOCOLS.find((p) => p[0] === 'tcp')?.[1]).toBe(6);
    expect(SERVICES.find((s) => s[0] === 'domain' && s[2] === 'udp')?.[1]).toBe(53);
  });

  it('points at the offending word', () => {
    const e = (() => { try { compileFilter('tcp port 80 and host nosuchhost.invalid'); } catch (x) { return x as CompileError; } return undefined; })();
    expect(e).toBeInstanceOf(CompileError);
    expect(e!.position).toBe(21);
    expect(e!.message).toBe("unknown host 'nosuchhost.invalid' (at 'nosuchhost.invalid', character 22 of the filter expression)");
  });

  it('checks its options', () => {
    expect(() => compileFilter('ip', { snaplen: -1 })).toThrow(ArgumentError);
    expect(() => compileFilter('ip', { snaplen: 0 })).toThrow(/snaplen of 0 rejects all packets/);
    expect(() => compileFilter('ip', { linktype: 'NOSUCH' })).toThrow(CompileError);
    expect(() => compileFilter('ip', { linktype: 105 })).toThrow(/does not know link type IEEE802_11/);
    expect(compileFilter('', { snaplen: 96 })).toEqual([{ code: 6, jt: 0, jf: 0, k: 96 }]);
  });
});
