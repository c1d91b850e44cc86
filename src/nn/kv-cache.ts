/**
 * Per-layer key/value cache for incremental decoding. The buffer grows in fixed
 * steps of positions (not per token), and new entries are written in place, so a
 * long decode reuses memory instead of reallocating every step.
 */
import { mx, type Tensor } from "../engine/mlx";

export const KV_CACHE_STEP = 256;

export class KVCache {
  private keys?: Tensor;
  private values?: Tensor;
  /** Number of positions stored. */
  offset = 0;

  constructor(readonly step = KV_CACHE_STEP) {}

  /** Positions the buffer can hold before it must grow. */
  get capacity(): number {
    return this.keys?.shape[2] ?? 0;
  }

  /** Capacity the buffer will have once it holds `positions` positions. */
  capacityFor(positions: number): number {
    return positions <= this.capacity ? this.capacity : Math.ceil(positions / this.step) * this.step;
  }

  /**
   * Appends `k, v [B, H, L, D]`. Returns the keys and values so far as views
   * (`asViews`), or else the whole buffers, whose positions ≥ offset the caller masks.
   */
  update(k: Tensor, v: Tensor, asViews = true): [Tensor, Tensor] {
    const length = k.shape[2]!;
    const end = this.offset + length;
    if (end > this.capacity) this.grow(k, v, end);
    const at = [mx.Slice(), mx.Slice(), mx.Slice(this.offset, end)];
    this.keys!.indexPut_(at, k);
    this.values!.indexPut_(at, v);
    this.offset = end;
    if (!asViews) return [this.keys!, this.values!];
    const upTo = [mx.Slice(), mx.Slice(), mx.Slice(0, end)];
    return [this.keys!.index(...upTo), this.values!.index(...upTo)];
  }

  /** Forgets positions from `offset` on: the next update writes over them (attention masks what lies beyond). */
  rewind(offset: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset > this.offset) throw new RangeError(`cannot rewind a cache of ${this.offset} positions to ${offset}`);
    this.offset = offset;
  }

  private grow(k: Tensor, v: Tensor, needed: number): void {
    const [b, h, , dk] = k.shape as [number, number, number, number];
    const dv = v.shape[3]!;
    const capacity = this.capacityFor(needed);
    const extra = capacity - this.capacity;
    const moreKeys = mx.zeros([b, h, extra, dk], k.dtype);
    const moreValues = mx.zeros([b, h, extra, dv], v.dtype);
    if (!this.keys || !this.values) {
      this.keys = moreKeys;
      this.values = moreValues;
    } else {
      this.keys = mx.concatenate([this.keys, moreKeys], 2);
      this.values = mx.concatenate([this.values, moreValues], 2);
    }
  }

  /** Bytes the buffers occupy. */
  get nbytes(): number {
    return (this.keys?.nbytes ?? 0) + (this.values?.nbytes ?? 0);
  }
}
