/**
 * Reference outputs of our networks on a small input, written once per run for
 * the peer to recompute on the same weights: the encoder + adaptor on 20 frames
 * (FunASR-Qwen4B's, and Fun-ASR-Nano's with its √D input scaling and Nano
 * adaptor), and per decoder an 8-position prefill from input embeddings followed
 * by two KV-cached steps on given tokens (the logits of all three).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { NanoAdaptor } from "../../adaptor/nano-adaptor";
import type { Qwen4bAdaptor } from "../../adaptor/qwen4b-adaptor";
import { mx, type Tensor } from "../../src/engine/mlx";
import { saveSafetensors } from "../../src/engine/safetensors";
import type { Qwen3Decoder } from "../../src/models/qwen3-decoder";
import type { SenseVoiceEncoder } from "../../src/models/sensevoice-encoder";
import type { DecoderId } from "./models";

const CHECK_FRAMES = 20;
const CHECK_POSITIONS = 8;
const CHECK_STEPS = 2;

export function encoderCheckFile(checkDir: string): string {
  return join(checkDir, "encoder-adaptor.safetensors");
}

export function decoderCheckFile(checkDir: string, id: DecoderId): string {
  return join(checkDir, `${id}.safetensors`);
}

export function writeEncoderCheck(checkDir: string, encoder: SenseVoiceEncoder, adaptor: Qwen4bAdaptor): void {
  const file = encoderCheckFile(checkDir);
  if (existsSync(file)) return;
  const features = mx.random.normal([1, CHECK_FRAMES, encoder.config.input_size], mx.float32, 0, 1, mx.random.key(21));
  const encoded = encoder.forward(features);
  const adapted = adaptor.forward(encoded);
  mx.eval(encoded, adapted);
  saveSafetensors(file, { features, encoder_output: encoded, adaptor_output: adapted });
}

export function nanoCheckFile(checkDir: string): string {
  return join(checkDir, "fun-asr-nano-audio.safetensors");
}

/** Fun-ASR-Nano's audio path on 20 frames: features → encoder (√D scaling) → Nano adaptor frames (all of them). */
export function writeNanoCheck(checkDir: string, encoder: SenseVoiceEncoder, adaptor: NanoAdaptor): void {
  const file = nanoCheckFile(checkDir);
  if (existsSync(file)) return;
  const features = mx.random.normal([1, CHECK_FRAMES, encoder.config.input_size], mx.float32, 0, 1, mx.random.key(23));
  const frames = adaptor.forward(encoder.forward(features)).frames;
  mx.eval(frames);
  saveSafetensors(file, { features, adaptor_output: frames });
}

export function writeDecoderCheck(checkDir: string, id: DecoderId, decoder: Qwen3Decoder): void {
  const file = decoderCheckFile(checkDir, id);
  if (existsSync(file)) return;
  const h = decoder.hiddenSize;
  const embeds = mx.multiply(mx.random.normal([1, CHECK_POSITIONS, h], mx.float32, 0, 1, mx.random.key(22)), 1 / Math.sqrt(h));
  const cache = decoder.newCache();
  const logits: Tensor[] = [decoder.forward(embeds, cache).reshape([-1])];
  const tokens: number[] = [];
  for (let step = 0; step < CHECK_STEPS; step++) {
    const id = Number(mx.argmax(logits[logits.length - 1]!, 0).item());
    tokens.push(id);
    logits.push(decoder.forward(decoder.embed(mx.array([[id]], mx.int32)), cache).reshape([-1]));
  }
  const stacked = mx.stack(logits, 0);
  mx.eval(embeds, stacked);
  saveSafetensors(file, { inputs_embeds: embeds, tokens: mx.array(tokens, mx.int32), logits: stacked });
}
