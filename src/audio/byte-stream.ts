/** An async stream of byte chunks (stdin, a child's pipe) read in pieces of the sizes asked for. */
export class ByteStreamReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** True once the stream has ended and everything buffered has been read. */
  get exhausted(): boolean {
    return this.ended && this.buffered === 0;
  }

  /** The first `n` bytes not yet read (fewer only at the end of the stream), without consuming them. */
  async peek(n: number): Promise<Uint8Array> {
    await this.fill(n);
    return this.take(Math.min(n, this.buffered), false);
  }

  /** The next `n` bytes (fewer only at the end of the stream). */
  async read(n: number): Promise<Uint8Array> {
    await this.fill(n);
    return this.take(Math.min(n, this.buffered), true);
  }

  /** Whatever has arrived, up to `most` bytes, waiting only when nothing has (empty only at the end of the stream). */
  async readSome(most: number): Promise<Uint8Array> {
    await this.fill(1);
    return this.take(Math.min(most, this.buffered), true);
  }

  /** What is buffered, then the rest of the stream, chunk by chunk. */
  async *remaining(): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.buffered > 0) yield this.take(this.buffered, true);
    while (!this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else if (next.value.length > 0) yield next.value;
    }
  }

  /** Stops reading; the source is told it is no longer wanted. */
  async close(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = next.value instanceof Uint8Array ? next.value : new Uint8Array(next.value as ArrayBuffer);
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
  }

  private take(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    let index = 0;
    while (at < n) {
      const chunk = this.chunks[index]!;
      const part = Math.min(chunk.length, n - at);
      out.set(chunk.subarray(0, part), at);
      at += part;
      if (consume) {
        if (part === chunk.length) this.chunks.shift();
        else this.chunks[index] = chunk.subarray(part);
      } else index++;
    }
    if (consume) this.buffered -= n;
    return out;
  }
}
