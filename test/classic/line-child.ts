/**
 * A long-lived child process spoken to in lines: requests go to stdin, each answer is one
 * line on stdout, in order. The native test harnesses use it so that thousands of cases
 * cost one spawn.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export class LineChild {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = '';
  private readonly lines: string[] = [];
  private readonly waiting: Array<(line: string) => void> = [];
  private failure: string | undefined;

  constructor(binary: string, args: string[] = []) {
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        const w = this.waiting.shift();
        if (w) w(line);
        else this.lines.push(line);
      }
    });
    let stderr = '';
    this.child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    this.child.on('exit', (code, signal) => {
      // e.g. libpcap 1.10.3 aborts on an unknown opcode and traps on a constant division by 0.
      this.failure = `error ${binary} exited (code ${code}, signal ${signal}) ${stderr.trim()}`;
      for (const w of this.waiting.splice(0)) w(this.failure);
    });
  }

  send(text: string): void {
    this.child.stdin.write(text);
  }

  nextLine(): Promise<string> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The next line as an unsigned decimal number; anything else is an error. */
  async nextNumber(): Promise<number> {
    const line = await this.nextLine();
    if (!/^\d+$/.test(line)) throw new Error(`harness said: ${line}`);
    return Number(line);
  }

  close(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.stdin.end('q\n');
  }
}
