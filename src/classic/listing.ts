/**
 * Reads a `tcpdump -d` listing (libpcap's bpf_image lines) back into instructions.
 *
 * The listing shows absolute jump targets; they become the relative jt/jf (and JA's k)
 * of the instruction at that position. Fields a line does not show (k of `tax`, `ret`
 * A, `#pktlen`, the x forms; jt/jf outside conditional jumps) decode as 0, which is
 * what libpcap's compiler emits. `unimp` lines are refused (bpf_image prints only the
 * opcode of an unknown instruction, so its k is gone) except `unimp 0x81`: libpcap 1.10
 * has no image for LDX LEN, whose operands carry nothing.
 */
import { checkArray, checkString } from '../args.js';
import { DecodeError } from '../errors.js';
import { quotable } from '../text.js';
import { ANCILLARY_IMAGE, LIBPCAP_IMAGE_UNKNOWN } from './disasm.js';
import { CLASSIC_FORMS, type ClassicForm, classicForm, type ClassicInsn, insn, type OperandForm } from './insn.js';
import { SKF_AD, SKF_AD_OFF, type AncillaryName } from '../abi/opcodes.js';

/** The operand shapes a listing line can have; several OperandForms print the same shape. */
type Shape = 'abs' | 'ind' | 'imm' | 'mem' | 'pktlen' | 'msh' | 'x' | 'none' | 'target';

const SHAPE_OF: Record<OperandForm, Shape> = {
  abs: 'abs', ind: 'ind', 'imm-hex': 'imm', 'imm-dec': 'imm', mem: 'mem', pktlen: 'pktlen',
  msh: 'msh', x: 'x', none: 'none', ja: 'target', 'jmp-k': 'imm', 'jmp-x': 'x',
};

const SHAPE_EXAMPLE: Record<Shape, string> = {
  abs: '[k]', ind: '[x + k]', imm: '#k', mem: 'M[k]', pktlen: '#pktlen', msh: '4*([k]&0xf)',
  x: 'x', none: 'no operand', target: 'a target line number',
};

const formByShape = new Map<string, ClassicForm>();
const shapesOfMnemonic = new Map<string, Shape[]>();
for (const f of CLASSIC_FORMS) {
  const shape = SHAPE_OF[f.operand];
  formByShape.set(`${f.mnemonic}/${shape}`, f);
  const list = shapesOfMnemonic.get(f.mnemonic) ?? [];
  if (!list.includes(shape)) list.push(shape);
  shapesOfMnemonic.set(f.mnemonic, list);
}

const ancillaryByImage = new Map<string, number>(
  (Object.keys(ANCILLARY_IMAGE) as AncillaryName[]).map((n) => [ANCILLARY_IMAGE[n], (SKF_AD_OFF + SKF_AD[n]) >>> 0]),
);

const NUM = '-?(?:0[xX][0-9a-fA-F]+|\\d+)';
const LINE_RE = /^(?:\(\s*(\d+)\s*\)\s*)?(\S+)(?:\s+(.*))?$/;
const JUMP_COLUMNS_RE = /^(.*?)\s*\bjt\s+(-?\d+)\s+jf\s+(-?\d+)$/;
const OPERAND_RES: Array<[Shape, RegExp]> = [
  ['pktlen', /^#pktlen$/],
  ['imm', new RegExp(`^#(${NUM})$`)],
  ['mem', new RegExp(`^M\\[\\s*(${NUM})\\s*\\]$`)],
  ['ind', new RegExp(`^\\[\\s*x\\s*([+-])\\s*(${NUM})\\s*\\]$`)],
  ['abs', new RegExp(`^\\[\\s*(${NUM}|[a-z_]+)\\s*\\]$`)],
  ['msh', new RegExp(`^4\\s*\\*\\s*\\(\\s*\\[\\s*(${NUM})\\s*\\]\\s*&\\s*0xf\\s*\\)$`)],
  ['target', new RegExp(`^(${NUM})$`)],
];

/** Operand forms whose image shows k. */
const SHOWS_K: ReadonlySet<OperandForm> = new Set<OperandForm>(['abs', 'ind', 'imm-hex', 'imm-dec', 'mem', 'msh', 'ja', 'jmp-k']);

/**
 * The instruction as a listing can carry it: the fields bpf_image does not print set to 0.
 * libpcap's optimizer leaves such leftovers (`tax` with k = 3), which no form reads, so
 * decoding a listing gives `prog.map(visibleInListing)` of the program that was printed.
 */
export function visibleInListing(i: ClassicInsn): ClassicInsn {
  const f = classicForm(i.code);
  if (!f || LIBPCAP_IMAGE_UNKNOWN.has(i.code)) return insn(i.code, 0, 0, 0);
  const conditional = f.kind === 'jmp-k' || f.kind === 'jmp-x';
  return insn(i.code, conditional ? i.jt : 0, conditional ? i.jf : 0, SHOWS_K.has(f.operand) ? i.k : 0);
}

/** A listing number: bpf_image prints k with %d or %x, so both signs of a 32-bit value occur. */
function toU32(text: string, what: string, fail: (d: string) => never): number {
  const v = Number(text);
  if (!Number.isSafeInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    fail(`${what} ${quotable(text)} is out of range (-2147483648 to 4294967295)`);
  }
  return v >>> 0;
}

/** `lines` are the text's lines (without terminators); line numbers in errors are 1-based. */
export function parseListing(lines: readonly string[], source: string): ClassicInsn[] {
  checkArray('parseListing', 'lines', lines).forEach((l, n) => checkString('parseListing', `lines[${n}]`, l));
  checkString('parseListing', 'source', source);
  const prog: ClassicInsn[] = [];
  lines.forEach((raw, index) => {
    const text = raw.trim();
    if (text === '') return;
    const fail = (detail: string): never => {
      throw new DecodeError(source, detail, { line: index + 1 });
    };
    const pc = prog.length;
    const m = LINE_RE.exec(text);
    if (!m) fail(`expected a tcpdump -d line like \`(000) ldh      [12]\`, found \`${quotable(text)}\``);
    const [, pcText, mnemonicText, restText] = m!;
    if (pcText !== undefined && Number(pcText) !== pc) {
      fail(`instruction number (${quotable(pcText)}) where (${String(pc).padStart(3, '0')}) was expected`);
    }
    const mnemonic = mnemonicText!.toLowerCase();
    let rest = (restText ?? '').trim();
    if (mnemonic === 'unimp') {
      // libpcap prints LDX LEN this way; it shows nothing else of it, and nothing else is needed.
      const code = /^0x[0-9a-f]+$/i.test(rest) ? Number(rest) : NaN;
      if (LIBPCAP_IMAGE_UNKNOWN.has(code)) {
        prog.push(insn(code, 0, 0, 0));
        return;
      }
      fail(`\`unimp ${quotable(rest.split(/\s/)[0]!)}\`: a listing does not show the operands of an unknown opcode; decode the -dd, -ddd or raw form instead`);
    }
    const shapes = shapesOfMnemonic.get(mnemonic);
    if (!shapes) fail(`unknown mnemonic \`${quotable(mnemonicText!)}\``);

    let jtTarget: string | undefined;
    let jfTarget: string | undefined;
    const jm = JUMP_COLUMNS_RE.exec(rest);
    if (jm) {
      rest = jm[1]!.trim();
      jtTarget = jm[2];
      jfTarget = jm[3];
    }

    let shape: Shape | undefined;
    let value: string | undefined;
    let negate = false;
    if (rest === '') shape = 'none';
    else if (rest === 'x') shape = 'x';
    else {
      for (const [s, re] of OPERAND_RES) {
        const om = re.exec(rest);
        if (!om) continue;
        shape = s;
        if (s === 'ind') {
          negate = om[1] === '-';
          value = om[2];
        } else {
          value = om[1];
        }
        break;
      }
    }
    if (shape === undefined) fail(`cannot read the operand \`${quotable(rest)}\` of \`${mnemonic}\``);
    const form = formByShape.get(`${mnemonic}/${shape}`);
    if (!form) {
      fail(`\`${mnemonic}\` does not take ${shape === 'none' ? 'an empty operand' : `the operand \`${quotable(rest)}\``}; expected ${shapes!.map((s) => SHAPE_EXAMPLE[s]).join(' or ')}`);
    }
    const conditional = form!.kind === 'jmp-k' || form!.kind === 'jmp-x';
    if (conditional && jtTarget === undefined) fail(`\`${mnemonic}\` needs its targets: \`jt N<TAB>jf N\``);
    if (!conditional && jtTarget !== undefined) fail(`\`${mnemonic}\` takes no jt/jf targets`);

    let k = 0;
    if (value !== undefined) {
      if (shape === 'abs' && /^[a-z_]+$/.test(value)) {
        const anc = ancillaryByImage.get(value);
        if (anc === undefined) fail(`unknown ancillary field \`[${quotable(value)}]\`; libpcap names: ${[...ancillaryByImage.keys()].join(', ')}`);
        k = anc!;
      } else if (shape === 'target') {
        // JA's k is relative; libpcap printed pc + 1 + k in 32-bit arithmetic.
        const target = toU32(value, 'jump target', fail);
        k = (target - pc - 1) >>> 0;
      } else {
        k = toU32(value, 'k', fail);
        if (negate) k = -k >>> 0;
      }
    }

    let jt = 0;
    let jf = 0;
    if (conditional) {
      const rel = (targetText: string, name: string): number => {
        const off = Number(targetText) - pc - 1;
        if (!(off >= 0 && off <= 255)) {
          fail(`${name} ${quotable(targetText)} cannot be reached from instruction ${pc}: targets run from ${pc + 1} to ${pc + 256}`);
        }
        return off;
      };
      jt = rel(jtTarget!, 'jt');
      jf = rel(jfTarget!, 'jf');
    }
    prog.push(insn(form!.code, jt, jf, k));
  });
  return prog;
}
