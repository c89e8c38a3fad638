/**
 * Socket and SysV IPC calls that 32-bit x86, s390x and powerpc also reach through one
 * multiplexer (socketcall(2), ipc(2)) whose first argument names the call. libseccomp adds
 * a rule for such a call twice there: for the direct syscall where the arch has one, and
 * for the multiplexer with argument 0 equal to the call's number (the rule's own condition
 * on argument 0 gives way to it). Numbers from include/uapi/linux/net.h and ipc/syscall.c.
 */
import type { ArchName } from '../arch.js';

export const SOCKETCALL: Readonly<Record<string, number>> = {
  socket: 1, bind: 2, connect: 3, listen: 4, accept: 5, getsockname: 6, getpeername: 7, socketpair: 8, send: 9, recv: 10,
  sendto: 11, recvfrom: 12, shutdown: 13, setsockopt: 14, getsockopt: 15, sendmsg: 16, recvmsg: 17, accept4: 18,
  recvmmsg: 19, sendmmsg: 20,
};

export const IPC: Readonly<Record<string, number>> = {
  semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14, shmat: 21, shmdt: 22,
  shmget: 23, shmctl: 24,
};

/** The arches where libseccomp multiplexes these calls. */
export const MUX_ARCHES: ReadonlySet<ArchName> = new Set<ArchName>(['i386', 's390x', 'ppc64le']);

/** The multiplexer and call number of `name` on `arch`, or undefined. */
export function multiplexed(arch: ArchName, name: string): { via: 'socketcall' | 'ipc'; call: number } | undefined {
  if (!MUX_ARCHES.has(arch)) return undefined;
  const s = SOCKETCALL[name];
  if (s !== undefined) return { via: 'socketcall', call: s };
  const i = IPC[name];
  return i !== undefined ? { via: 'ipc', call: i } : undefined;
}
