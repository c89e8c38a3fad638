/**
 * Typed errors. Every error a user can cause carries the exit code the CLI uses for it,
 * and a message that is one clear line: the CLI prints `cbpf2ebpf: <message>` and exits.
 * File names in messages go through quotable(), as everything else a message quotes does.
 */
import { NAME_QUOTE_MAX, quotable } from './text.js';

export const EXIT_OK = 0;
export const EXIT_USAGE = 64; // EX_USAGE
export const EXIT_DATAERR = 65; // EX_DATAERR: bad filter, program or capture data
export const EXIT_NOINPUT = 66; // EX_NOINPUT: input cannot be opened or read
export const EXIT_CANTCREAT = 73; // EX_CANTCREAT: output cannot be written

export class Cbpf2ebpfError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

export class UsageError extends Cbpf2ebpfError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/**
 * A library function called with an argument of the wrong type or outside its range: a
 * misuse of the interface, so a usage error (exit 64). Raised at the entry of the exported
 * function, before any work; `fn` and `argument` name them (`argument` as a path such as
 * `opts.ctx` or `prog[3].k`).
 */
export class ArgumentError extends UsageError {
  constructor(readonly fn: string, readonly argument: string, detail: string) {
    super(`${fn}: ${argument} ${detail}`);
  }
}

/** A file or stream that cannot be opened or read. */
export class InputError extends Cbpf2ebpfError {
  constructor(readonly path: string, reason: string) {
    super(`${quotable(path, NAME_QUOTE_MAX)}: ${reason}`, EXIT_NOINPUT);
  }
}

export class OutputError extends Cbpf2ebpfError {
  constructor(readonly path: string, reason: string) {
    super(`${quotable(path, NAME_QUOTE_MAX)}: ${reason}`, EXIT_CANTCREAT);
  }
}

/**
 * The reader of our output went away (a closed pipe, as in `| head -1`). Not a failure: the
 * CLI stops quietly with exit 0, as a program killed by SIGPIPE would stop.
 */
export class OutputClosed extends Cbpf2ebpfError {
  constructor(readonly path: string) {
    super(`${path}: the reader closed it`, EXIT_OK);
  }
}

export interface DecodePosition {
  /** 1-based line of a text form. */
  line?: number;
  /** Byte offset of a binary form. */
  byteOffset?: number;
}

/** Input that is not a well-formed program in the expected format. */
export class DecodeError extends Cbpf2ebpfError {
  constructor(readonly source: string, readonly detail: string, readonly position: DecodePosition = {}) {
    const where = position.line !== undefined ? `:${position.line}` : position.byteOffset !== undefined ? ` (byte ${position.byteOffset})` : '';
    super(`${quotable(source, NAME_QUOTE_MAX)}${where}: ${detail}`, EXIT_DATAERR);
  }
}

/** A classic program that Linux's checker (or seccomp's) would refuse. */
export class CheckError extends Cbpf2ebpfError {
  constructor(readonly pc: number, readonly text: string, readonly rule: string, readonly detail: string) {
    super(`instruction ${pc} (${text}): ${rule}: ${detail}`, EXIT_DATAERR);
  }
}

/** A valid classic program that cannot be expressed as internal BPF (s16 jump overflow). */
export class TranslateError extends Cbpf2ebpfError {
  constructor(readonly pc: number, detail: string) {
    super(`classic instruction ${pc}: ${detail}`, EXIT_DATAERR);
  }
}

/** An internal program that our verifier refuses. `path` lists the pcs that reach the violation. */
export class VerifyError extends Cbpf2ebpfError {
  constructor(readonly pc: number, readonly detail: string, readonly path: readonly number[] = []) {
    super(`insn ${pc}: ${detail}${path.length ? ` (path ${path.join(' -> ')})` : ''}`, EXIT_DATAERR);
  }
}

/** Text that is not valid assembly. */
export class AsmError extends Cbpf2ebpfError {
  constructor(readonly source: string, readonly line: number, detail: string) {
    super(`${quotable(source, NAME_QUOTE_MAX)}:${line}: ${detail}`, EXIT_DATAERR);
  }
}

/** A capture file that is corrupt or truncated. Packets before `packetNumber` were read. */
export class CaptureError extends Cbpf2ebpfError {
  constructor(readonly source: string, readonly packetNumber: number, readonly byteOffset: number, detail: string) {
    super(`${quotable(source, NAME_QUOTE_MAX)}: packet ${packetNumber} at byte ${byteOffset}: ${detail}`, EXIT_DATAERR);
  }
}

/** A fault while running a program: bad memory access, budget exhausted, bad call. */
export class VmError extends Cbpf2ebpfError {
  constructor(readonly pc: number, readonly detail: string) {
    super(`insn ${pc}: ${detail}`, EXIT_DATAERR);
  }
}

/**
 * A filter expression libpcap would refuse: a syntax error, an unknown name, a qualifier
 * that does not apply. `position` is the offset in the expression of the offending word
 * (or the expression's length when the expression ends too early); -1 when unknown.
 */
export class CompileError extends Cbpf2ebpfError {
  constructor(readonly detail: string, readonly expression: string, readonly position: number, readonly word = '') {
    super(position >= 0 ? `${detail} (at ${word ? `'${quotable(word, NAME_QUOTE_MAX)}', ` : ''}character ${position + 1} of the filter expression)` : detail, EXIT_DATAERR);
  }
}
