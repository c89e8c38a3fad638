/**
 * The reader's sliding window over the file: one reusable buffer holding the bytes between
 * `start` (first unread byte) and `end` (end of what was read). Decoders only consume a record
 * once all of it is in the window, so a record that straddles two reads is simply re-parsed
 * after the next fill; a record bigger than the buffer makes the buffer grow to fit it.
 */
export class ByteWindow {
  buf: Uint8Array;
  view: DataView;
  /** First unconsumed byte. */
  start = 0;
  /** End of valid data. */
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  /** No more bytes will come. */
  eof = false;
  /** Reads go to file offset base + end (a reader that started past the file's beginning). */
  positioned = false;
  /** Bytes the decoder wants from `start` before it can go on (set when it returns STEP_NEED). */
  need = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  /** File offset of the first unconsumed byte. */
  get position(): number {
    return this.base + this.start;
  }

  /**
   * Before a read: make sure `need` bytes from `start` fit in the buffer and that a useful amount
   * of free space follows `end`, by moving the unread tail to the front or growing the buffer.
   */
  prepareFill(): void {
    const len = this.buf.length;
    const need = this.need;
    if (need > len) {
      let size = len;
      while (size < need) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.buf.subarray(this.start, this.end));
      this.shift(bigger);
    } else if (this.start > 0 && (this.start + need > len || len - this.end < len >>> 2)) {
      this.buf.copyWithin(0, this.start, this.end);
      this.shift(this.buf);
    }
  }

  private shift(buf: Uint8Array): void {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer);
    }
    this.base += this.start;
    this.end -= this.start;
    this.start = 0;
  }

  /** After a read of `n` bytes at `end` (0 = end of input). */
  commit(n: number): void {
    if (n === 0) this.eof = true;
    else this.end += n;
  }
}
