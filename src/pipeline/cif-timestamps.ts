/**
 * A start and end time for each token from where a CIF predictor fired, as FunASR's
 * Paraformer computes them (`ts_prediction_lfr6_standard`,
 * `funasr/utils/timestamp_tools.py`, called by `Paraformer.inference` with the CIF
 * peaks in the place of the weights and the weights in the place of the peaks —
 * upstream's argument order, kept because it decides the times). Since no weight
 * reaches the firing threshold 1 − 1e-4, the peaks are rescaled to sum to one more
 * than the number of tokens and integrated again (`cif_wo_hidden`); each token then
 * runs from its fire to the next (shifted 1.5 frames earlier), a token longer than
 * 12 frames ends there (silence follows), and the last one ends halfway to the end
 * of the audio when more than 5 frames remain. Milliseconds are truncated as
 * upstream's `int(seconds * 1000)`.
 */

const THRESHOLD = Math.fround(1 - 1e-4);
const SHIFT_FRAMES = -1.5;
const MAX_TOKEN_FRAMES = 12;
const EDGE_FRAMES = 5;

/** FunASR `cif_wo_hidden` in float32: the running sum at each step, before a fire takes the threshold off. */
function integrate(weights: Float32Array): Float32Array {
  const fires = new Float32Array(weights.length);
  let sum = 0;
  for (let t = 0; t < weights.length; t++) {
    sum = Math.fround(sum + weights[t]!);
    fires[t] = sum;
    if (sum >= THRESHOLD) sum = Math.fround(sum - THRESHOLD);
  }
  return fires;
}

function firePlaces(values: Float32Array): number[] {
  const places: number[] = [];
  values.forEach((v, t) => {
    if (v >= THRESHOLD) places.push(t + SHIFT_FRAMES);
  });
  return places;
}

/**
 * `[start, end]` in milliseconds for each of `tokens` tokens (fewer if the fires do not
 * cover them all). `peaks` and `alphas` are one utterance's CIF peaks and weights with
 * the tail step (T + 1 values); `frameSeconds` is the time of one step.
 */
export function cifTokenTimes(peaks: Float32Array, alphas: Float32Array, tokens: number, frameSeconds: number): [number, number][] {
  if (tokens === 0) return [];
  let places = firePlaces(alphas);
  let steps = alphas.length;
  if (places.length !== tokens + 1) {
    let total = 0;
    for (const p of peaks) total += p;
    const scale = Math.fround(Math.fround(total) / (tokens + 1));
    const rescaled = peaks.map((p) => Math.fround(p / scale));
    places = firePlaces(integrate(rescaled));
    steps = rescaled.length;
  }
  if (places.length === 0) return [];
  const spans: { sil: boolean; range: [number, number] }[] = [];
  if (places[0]! > EDGE_FRAMES) spans.push({ sil: true, range: [0, places[0]! * frameSeconds] });
  for (let i = 0; i < places.length - 1 && i < tokens; i++) {
    const [from, to] = [places[i]!, places[i + 1]!];
    if (to - from <= MAX_TOKEN_FRAMES) spans.push({ sil: false, range: [from * frameSeconds, to * frameSeconds] });
    else {
      const split = from + MAX_TOKEN_FRAMES;
      spans.push({ sil: false, range: [from * frameSeconds, split * frameSeconds] }, { sil: true, range: [split * frameSeconds, to * frameSeconds] });
    }
  }
  const last = places[places.length - 1]!;
  const final = spans[spans.length - 1];
  if (steps - last > EDGE_FRAMES) {
    const end = (steps + last) * 0.5;
    if (final) final.range[1] = end * frameSeconds;
    spans.push({ sil: true, range: [end * frameSeconds, steps * frameSeconds] });
  } else if (final) {
    final.range[1] = steps * frameSeconds;
  }
  return spans.filter((s) => !s.sil).map(({ range: [a, b] }) => [Math.trunc(a * 1000), Math.trunc(b * 1000)]);
}
