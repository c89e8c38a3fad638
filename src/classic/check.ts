/**
 * Linux's classic BPF checker: `bpf_check_classic` (net/core/filter.c) with its
 * scratch-memory walk `check_load_and_stores`, and seccomp's extra pass
 * `seccomp_check_filter` (kernel/seccomp.c). Violations are reported in the order the kernel
 * meets them, so the first one is the one that makes Linux refuse the program. What the
 * kernel's own translation refuses afterwards is the translator's to say
 * (translate/kernel-check.ts).
 */
import { checkArray } from '../args.js';
import { CheckError } from '../errors.js';
import { hex } from '../hex.js';
import { classicText } from './disasm.js';
import { type ClassicInsn, type ClassicProgram, classicForm, loadWidth } from './insn.js';
import { checkClassicProgram, checkProfileArgs } from './shape.js';
import {
  BPF_ABS, BPF_DIV, BPF_LDX, BPF_LSH, BPF_MAXINSNS, BPF_MEMWORDS, BPF_MOD, BPF_RET, BPF_RSH, BPF_W, BPF_X, SKF_AD_MAX, SKF_AD_OFF,
  ancillaryOf, bpfOp, bpfSize,
} from '../abi/opcodes.js';
import { SECCOMP_DATA_SIZE } from '../abi/ctx.js';

export type CheckProfile = 'socket' | 'seccomp';

export interface CheckOptions {
  /** `socket` (default): bpf_check_classic only. `seccomp`: then seccomp_check_filter. */
  profile?: CheckProfile;
}

/** Every rule name a CheckError can carry; messages and tests use these spellings. */
export const CHECK_RULES = [
  'length',
  'opcode',
  'div-by-zero',
  'shift-out-of-range',
  'mem-index',
  'jump-out-of-range',
  'ancillary-unknown',
  'last-not-ret',
  'mem-uninitialised',
  'seccomp-opcode',
  'seccomp-load',
  'seccomp-chain-length',
  'jump-offset-overflow',
  'loop-shape',
] as const;
export type CheckRule = (typeof CHECK_RULES)[number];

/** seccomp_attach_filter: every path through the filter tree holds at most 256 KiB of instructions. */
export const SECCOMP_MAX_CHAIN_INSNS = 32768;
/** Instructions charged for each filter already installed when another one is attached. */
export const SECCOMP_CHAIN_PENALTY = 4;

const AD_AREA_START = SKF_AD_OFF >>> 0; // 0xfffff000: `k >= SKF_AD_OFF` compares unsigned in the kernel

function violation(prog: ClassicProgram, pc: number, rule: CheckRule, detail: string): CheckError {
  const i = prog[pc];
  return new CheckError(pc, i ? classicText(i, pc) : 'no instructions', rule, detail);
}

/** Why a code outside the 49 is refused; two near-misses get a more precise word. */
function opcodeDetail(code: number): string {
  if (code === (BPF_RET | BPF_X)) return 'ret x does not exist in classic BPF (only ret #k and ret a)';
  if (code === (BPF_LDX | BPF_W | BPF_ABS)) return 'ldx [k] (LDX|W|ABS) exists only inside the kernel, after seccomp rewrites ld [k]';
  return `code ${hex(code)} is not one of the 49 classic instructions Linux accepts`;
}

/** The per-instruction checks of bpf_check_classic for one instruction, in the kernel's order. */
function* instructionViolations(prog: ClassicProgram, pc: number): Generator<CheckError> {
  const i: ClassicInsn = prog[pc]!;
  const len = prog.length;
  const f = classicForm(i.code);
  if (!f) {
    yield violation(prog, pc, 'opcode', opcodeDetail(i.code));
    return;
  }
  switch (f.kind) {
    case 'alu-k': {
      const op = bpfOp(i.code);
      if ((op === BPF_DIV || op === BPF_MOD) && i.k === 0) {
        yield violation(prog, pc, 'div-by-zero', `${op === BPF_DIV ? 'division' : 'modulo'} by constant 0`);
      } else if ((op === BPF_LSH || op === BPF_RSH) && i.k >= 32) {
        yield violation(prog, pc, 'shift-out-of-range', `shift by ${i.k} (a constant shift must be below 32)`);
      }
      break;
    }
    case 'ld-mem': case 'ldx-mem': case 'st': case 'stx':
      if (i.k >= BPF_MEMWORDS) {
        yield violation(prog, pc, 'mem-index', `scratch index ${i.k} (M[] has ${BPF_MEMWORDS} words, 0 to ${BPF_MEMWORDS - 1})`);
      }
      break;
    case 'ja':
      // Unsigned: a "negative" k is a huge forward jump, so backward jumps fail here too.
      if (i.k >= len - pc - 1) {
        const target = pc + 1 + i.k;
        yield violation(prog, pc, 'jump-out-of-range',
          i.k >= 0x80000000
            ? `ja offset ${hex(i.k)} is not a forward jump inside the program (classic jumps are unsigned)`
            : `ja lands at ${target}, past the last instruction ${len - 1}`);
      }
      break;
    case 'jmp-k': case 'jmp-x': {
      const jt = pc + 1 + i.jt;
      const jf = pc + 1 + i.jf;
      if (jt >= len || jf >= len) {
        const which = jt >= len ? `jt target ${jt}` : `jf target ${jf}`;
        yield violation(prog, pc, 'jump-out-of-range', `${which} is past the last instruction ${len - 1}`);
      }
      break;
    }
    case 'ld-abs':
      // Only the SKF_AD area is checked; SKF_NET_OFF and SKF_LL_OFF offsets lie below it and pass.
      if (i.k >= AD_AREA_START && ancillaryOf(i.k) === undefined) {
        const n = i.k - AD_AREA_START;
        yield violation(prog, pc, 'ancillary-unknown',
          n < SKF_AD_MAX
            ? `offset ${hex(i.k)} is SKF_AD_OFF + ${n}, which names no SKF_AD_* field`
            : `offset ${hex(i.k)} is SKF_AD_OFF + ${n}, beyond the last ancillary field`);
      }
      break;
    default:
      break;
  }
}

/**
 * check_load_and_stores: one forward pass with a 16-bit "written" mask. A jump hands its
 * mask to its targets (AND with what they already have) and the instruction after a jump
 * starts from all-ones, so code reached only by jumps gets the AND of its predecessors and
 * unreachable code after a jump counts as initialised. RET does not reset the mask: the
 * kernel treats the instruction after a RET as a fall-through successor.
 */
function* memoryViolations(prog: ClassicProgram): Generator<CheckError> {
  const len = prog.length;
  const masks = new Uint16Array(len).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < len; pc++) {
    const i = prog[pc]!;
    valid &= masks[pc]!;
    switch (classicForm(i.code)?.kind) {
      case 'st': case 'stx':
        valid |= 1 << i.k;
        break;
      case 'ld-mem': case 'ldx-mem':
        if (!(valid & (1 << i.k))) {
          yield violation(prog, pc, 'mem-uninitialised', `M[${i.k}] can be read before anything is stored there`);
        }
        break;
      case 'ja':
        masks[pc + 1 + i.k]! &= valid;
        valid = 0xffff;
        break;
      case 'jmp-k': case 'jmp-x':
        masks[pc + 1 + i.jt]! &= valid;
        masks[pc + 1 + i.jf]! &= valid;
        valid = 0xffff;
        break;
      default:
        break;
    }
  }
}

/** seccomp_check_filter's per-instruction rule. */
function seccompViolation(prog: ClassicProgram, pc: number): CheckError | undefined {
  const i = prog[pc]!;
  const f = classicForm(i.code);
  if (!f) return violation(prog, pc, 'seccomp-opcode', opcodeDetail(i.code));
  switch (f.kind) {
    case 'ld-abs':
      if (bpfSize(i.code) !== BPF_W) {
        return violation(prog, pc, 'seccomp-opcode', `seccomp loads only 32-bit words (ld [k]), not ${loadWidth(i.code) * 8}-bit ones`);
      }
      if (ancillaryOf(i.k) !== undefined) {
        return violation(prog, pc, 'seccomp-load', 'ancillary loads do not exist in seccomp filters');
      }
      if (i.k >= SECCOMP_DATA_SIZE) {
        return violation(prog, pc, 'seccomp-load', `offset ${i.k} is outside struct seccomp_data (64 bytes)`);
      }
      if (i.k & 3) return violation(prog, pc, 'seccomp-load', `offset ${i.k} is not a multiple of 4`);
      return undefined;
    case 'ld-ind':
      return violation(prog, pc, 'seccomp-opcode', 'indirect loads ([x + k]) are not allowed in seccomp filters');
    case 'ldx-msh':
      return violation(prog, pc, 'seccomp-opcode', 'ldxb 4*([k]&0xf) is not allowed in seccomp filters');
    case 'alu-k': case 'alu-x':
      if (bpfOp(i.code) === BPF_MOD) return violation(prog, pc, 'seccomp-opcode', 'mod is not allowed in seccomp filters');
      return undefined;
    default:
      // LEN loads become the constant 64; every other form is on seccomp's list.
      return undefined;
  }
}

/** What bpf_check_classic and seccomp_check_filter refuse, in their order. */
function* checkerViolations(prog: ClassicProgram, opts: CheckOptions): Generator<CheckError> {
  const len = prog.length;
  if (len === 0 || len > BPF_MAXINSNS) {
    yield violation(prog, Math.min(len, BPF_MAXINSNS), 'length',
      `a classic program holds 1 to ${BPF_MAXINSNS} instructions; this one has ${len}`);
    if (len === 0) return;
  }
  let structural = false;
  for (let pc = 0; pc < len; pc++) {
    for (const v of instructionViolations(prog, pc)) {
      structural = true;
      yield v;
    }
  }
  const lastKind = classicForm(prog[len - 1]!.code)?.kind;
  const endsInRet = lastKind === 'ret-k' || lastKind === 'ret-a';
  if (!endsInRet) yield violation(prog, len - 1, 'last-not-ret', 'the last instruction must be ret #k or ret a');
  // The kernel walks memory only once everything else passed; before that, jump targets and
  // indices may point anywhere.
  if (!structural && endsInRet && len <= BPF_MAXINSNS) yield* memoryViolations(prog);
  if (opts.profile === 'seccomp') {
    for (let pc = 0; pc < len; pc++) {
      const v = seccompViolation(prog, pc);
      if (v) yield v;
    }
  }
}

/** Every violation of the checkers, in the order Linux meets them (the first is the one it reports). */
export function findClassicViolations(prog: ClassicProgram, opts: CheckOptions = {}): CheckError[] {
  checkProfileArgs('findClassicViolations', prog, opts);
  return [...checkerViolations(prog, opts)];
}

/**
 * Throws the first violation of bpf_check_classic (and, for the seccomp profile,
 * seccomp_check_filter) as a CheckError (exit 65); returns if the checkers accept the program.
 * Linux then translates it, which can still refuse it: see checkForLinux (translate/kernel-check).
 */
export function checkClassic(prog: ClassicProgram, opts: CheckOptions = {}): void {
  checkProfileArgs('checkClassic', prog, opts);
  const first = checkerViolations(prog, opts).next();
  if (!first.done) throw first.value;
}

/**
 * seccomp_attach_filter's size rule for a stack of filters, oldest first: attaching a filter
 * counts its own length plus, for each filter already installed, that filter's length + 4.
 * Each filter must itself pass checkClassic with the seccomp profile.
 */
export function checkSeccompChain(filters: readonly ClassicProgram[]): void {
  checkArray('checkSeccompChain', 'filters', filters).forEach((f, n) => checkClassicProgram('checkSeccompChain', f, `filters[${n}]`));
  let installed = 0;
  for (let n = 0; n < filters.length; n++) {
    const len = filters[n]!.length;
    const total = installed + len;
    if (total > SECCOMP_MAX_CHAIN_INSNS) {
      throw new CheckError(0, `filter ${n + 1} of ${filters.length}`, 'seccomp-chain-length',
        `attaching it makes ${total} instructions (lengths plus ${SECCOMP_CHAIN_PENALTY} per earlier filter); the limit is ${SECCOMP_MAX_CHAIN_INSNS}`);
    }
    installed += len + SECCOMP_CHAIN_PENALTY;
  }
}
