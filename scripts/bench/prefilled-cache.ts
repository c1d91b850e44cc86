/**
 * Decoding "at context N" without paying for an N-position prefill first: KV
 * caches already holding N positions of random keys and values (attention costs
 * the same whatever the values), and a view of the decoder whose `newCache()`
 * hands out such caches, so the real `decodeTokens` loop runs unchanged. This
 * keeps the quantized rows affordable: a quantized 512-position prefill takes
 * many minutes on the CPU.
 */
import { mx, type Dtype, type Tensor } from "../../src/engine/mlx";
import type { LayerCaches } from "../../src/nn/swiglu-decoder";

/** A decoder with one KV cache per layer (Qwen3, Llama). */
interface LayeredDecoder {
  readonly config: { readonly num_key_value_heads: number; readonly hidden_size: number; readonly num_attention_heads: number; readonly head_dim?: number | null };
  readonly dtype: Dtype;
  newCache(): LayerCaches;
}

export function prefilledCache(decoder: LayeredDecoder, context: number, seed = 5): LayerCaches {
  const c = decoder.config;
  const shape = [1, c.num_key_value_heads, context, c.head_dim ?? c.hidden_size / c.num_attention_heads];
  const caches = decoder.newCache();
  let key = mx.random.key(seed);
  const stored: Tensor[] = [];
  for (const cache of caches.layers) {
    const keys = mx.random.split(key, 3);
    key = keys.index(0);
    const k = mx.random.normal(shape, decoder.dtype, 0, 1, keys.index(1));
    const v = mx.random.normal(shape, decoder.dtype, 0, 1, keys.index(2));
    stored.push(...cache.update(k, v));
  }
  mx.eval(...stored);
  return caches;
}

/** The decoder, except that every new cache already holds `context` positions. */
export function withPrefilledCache<D extends LayeredDecoder>(decoder: D, context: number): D {
  const view = Object.create(decoder) as D;
  view.newCache = () => prefilledCache(decoder, context);
  return view;
}
