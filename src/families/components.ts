/** Network components several families share, configured by the release that uses them. */
import { QWEN3_DECODER, tinyQwen3, type Qwen3Config } from "../models/qwen3-decoder";
import { SENSEVOICE_ENCODER, SENSEVOICE_SMALL, tinySenseVoice, type SenseVoiceEncoderConfig } from "../models/sensevoice-encoder";
import type { LanguageModelComponent, NetworkComponent } from "./family";
import { QWEN3_MODEL_TYPES, writeQwen3Tokenizer } from "./prompts/chatml";

/** SenseVoiceSmall's encoder, in the folder `encoder`; `released` adjusts the release's reading of it. */
export function senseVoiceEncoder(released: Partial<SenseVoiceEncoderConfig>): NetworkComponent {
  const config = { ...SENSEVOICE_SMALL, ...released };
  return { role: "encoder", folder: "encoder", network: SENSEVOICE_ENCODER, released: config, tiny: () => tinySenseVoice(config.input_scale) };
}

/** A Qwen3 language model, in the folder `decoder`, over the real Qwen3 tokenizer. */
export function qwen3Decoder(released: Qwen3Config): LanguageModelComponent {
  return {
    role: "decoder",
    folder: "decoder",
    network: QWEN3_DECODER,
    released,
    tiny: ({ decoderWidth }) => tinyQwen3(decoderWidth),
    modelTypes: QWEN3_MODEL_TYPES,
    writeTinyTokenizer: writeQwen3Tokenizer,
  };
}
