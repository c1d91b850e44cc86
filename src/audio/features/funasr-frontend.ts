/**
 * FunASR's front end (`WavFrontend`): waveform → Kaldi fbank → LFR (+ CMVN)
 * features, configured by a model's `frontend/config.json` (FunASR
 * `frontend_conf` names); also the OminiX Qwen4B port's variant of it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseWith, readConfig, readYamlFile } from "../../config";
import { ConfigError } from "../../errors";
import { padBatch } from "../../engine/batch";
import { mx, type Tensor } from "../../engine/mlx";
import { applyCmvn, loadCmvn, type Cmvn } from "./cmvn";
import { computeFbank, type FbankOptions } from "./kaldi-fbank";
import type { FeatureBatch, FeatureExtractor, FeatureExtractorFactory } from "./feature-extractor";
import { applyLfr, lfrFrameCount } from "./lfr";

/** `funasr`: FunASR's `WavFrontend` (torchaudio's Kaldi fbank). `ominix`: the OminiX Qwen4B port's reading of it. */
export type FrontendMode = "funasr" | "ominix";

export const FrontendConfigSchema = z.object({
  frontend: z.string().default("WavFrontend"),
  mode: z.enum(["funasr", "ominix"]).default("funasr"),
  frontend_conf: z.object({
    fs: z.literal(16000).default(16000),
    window: z.literal("hamming").default("hamming"),
    n_mels: z.number().int().positive().default(80),
    frame_length: z.number().positive().default(25),
    frame_shift: z.number().positive().default(10),
    lfr_m: z.number().int().positive().default(7),
    lfr_n: z.number().int().positive().default(6),
    dither: z.number().nonnegative().default(0),
    snip_edges: z.literal(true).default(true),
    upsacle_samples: z.boolean().default(true),
    cmvn_file: z.string().nullable().default(null),
  }),
  fbank: z
    .object({
      preemphasis_coefficient: z.number(),
      remove_dc_offset: z.boolean(),
      low_freq: z.number().nonnegative(),
      high_freq: z.number(),
      log_floor: z.number().positive(),
    })
    .partial()
    .default({}),
});
export type FrontendConfigFile = z.output<typeof FrontendConfigSchema>;

export interface FrontendSettings {
  readonly mode: FrontendMode;
  readonly fbank: FbankOptions;
  readonly lfrM: number;
  readonly lfrN: number;
  readonly cmvn: Cmvn | null;
}

export function frontendSettings(file: FrontendConfigFile, cmvn: Cmvn | null): FrontendSettings {
  const c = file.frontend_conf;
  const common = {
    sampleRate: c.fs,
    nMels: c.n_mels,
    frameLengthMs: c.frame_length,
    frameShiftMs: c.frame_shift,
    dither: c.dither,
    lowFreq: file.fbank.low_freq ?? 20,
    highFreq: file.fbank.high_freq ?? 0,
    logFloor: file.fbank.log_floor ?? 1.1920928955078125e-7,
  };
  const fbank: FbankOptions =
    file.mode === "funasr"
      ? {
          ...common,
          inputScale: c.upsacle_samples ? 32768 : 1,
          removeDcOffset: file.fbank.remove_dc_offset ?? true,
          preemphasis: file.fbank.preemphasis_coefficient ?? 0.97,
          melBank: "kaldi",
          shortInput: "shrink-window",
        }
      : { ...common, inputScale: 1, removeDcOffset: false, preemphasis: 0, melBank: "htk-binned", shortInput: "zero-pad" };
  return { mode: file.mode, fbank, lfrM: c.lfr_m, lfrN: c.lfr_n, cmvn: file.mode === "funasr" ? cmvn : null };
}

export class AudioFrontend implements FeatureExtractor {
  constructor(readonly settings: FrontendSettings) {}

  /** The front end a family uses when the model folder has no frontend/ of its own. */
  static defaults(mode: FrontendMode): AudioFrontend {
    return new AudioFrontend(frontendSettings(FrontendConfigSchema.parse({ mode, frontend_conf: {} }), null));
  }

  /** Reads `<dir>/config.json` and, when it names one, the CMVN file beside it. */
  static load(dir: string): AudioFrontend {
    const file = readConfig(join(dir, "config.json"), FrontendConfigSchema);
    const cmvnFile = file.frontend_conf.cmvn_file;
    const cmvn = cmvnFile && file.mode === "funasr" ? loadCmvn(join(dir, cmvnFile)) : null;
    return new AudioFrontend(frontendSettings(file, cmvn));
  }

  get featureDim(): number {
    return this.settings.fbank.nMels * this.settings.lfrM;
  }

  /** `wave [S]` → `fbank [T, nMels]`. */
  fbank(wave: Tensor, source?: string): Tensor {
    return computeFbank(wave, this.settings.fbank, source);
  }

  /** `fbank [T, nMels]` → `features [ceil(T/n), m·nMels]`. */
  features(fbank: Tensor): Tensor {
    const lfr = applyLfr(fbank, this.settings.lfrM, this.settings.lfrN);
    return this.settings.cmvn ? applyCmvn(lfr, this.settings.cmvn) : lfr;
  }

  /** `wave [S]` → `features`, evaluated. */
  run(wave: Tensor, source?: string): Tensor {
    const out = this.features(this.fbank(wave, source));
    mx.eval(out);
    return out;
  }

  /** Each member on its own (FunASR computes features per utterance), then right-padded. */
  extract(waveforms: readonly Tensor[], sources: readonly string[] = []): FeatureBatch {
    const items = waveforms.map((wave, i) => this.features(this.fbank(wave, sources[i] ?? sources[0])));
    const { data, lengths } = padBatch(items);
    mx.eval(data);
    return { features: data, lengths };
  }

  frameCount(samples: number): number {
    const o = this.settings.fbank;
    const window = Math.trunc((o.sampleRate * o.frameLengthMs) / 1000);
    const shift = Math.trunc((o.sampleRate * o.frameShiftMs) / 1000);
    const fbankFrames = samples < window ? 1 : 1 + Math.floor((samples - window) / shift);
    return lfrFrameCount(fbankFrames, this.settings.lfrN);
  }

  /**
   * A FunASR release folder: `frontend_conf` of its `config.yaml` (when there is one)
   * and the CMVN file `cmvnFile` beside it. FunASR's WavFrontend dithers by default
   * (random noise, 1.0); these features are computed without, so they repeat.
   */
  static fromFunasrRelease(dir: string, cmvnFile: string): AudioFrontend {
    const yamlFile = join(dir, "config.yaml");
    const conf = existsSync(yamlFile) ? ((readYamlFile(yamlFile) as { frontend_conf?: unknown } | null)?.frontend_conf ?? {}) : {};
    if (typeof conf !== "object" || conf === null || Array.isArray(conf)) throw new ConfigError("CONFIG_INVALID", yamlFile, 'field "frontend_conf": must be a mapping');
    const file = parseWith(FrontendConfigSchema, { frontend: "WavFrontend", mode: "funasr", frontend_conf: { ...conf, dither: 0, cmvn_file: cmvnFile } }, yamlFile);
    return new AudioFrontend(frontendSettings(file, loadCmvn(join(dir, cmvnFile))));
  }

  /** The Kaldi fbank before LFR/CMVN, an inspectable stage of its own. */
  readonly intermediate = {
    name: "fbank",
    compute: (wave: Tensor, source?: string) => this.fbank(wave, source),
    finish: (fbank: Tensor) => this.features(fbank),
  };
}

export interface FunasrFeatureOptions {
  /** A front-end folder without config.json that holds this CMVN file is FunASR's release folder (see `fromFunasrRelease`). */
  readonly releaseCmvnFile?: string;
}

/** The FunASR front end of a family: a frontend/ folder of mlx-asr's layout, a FunASR release folder, or the recipe's defaults. */
export function funasrFeatures(mode: FrontendMode, options: FunasrFeatureOptions = {}): FeatureExtractorFactory {
  const cmvn = options.releaseCmvnFile;
  const isRelease = (dir: string) => cmvn !== undefined && !existsSync(join(dir, "config.json")) && existsSync(join(dir, cmvn));
  return {
    load: (dir) => (!dir ? AudioFrontend.defaults(mode) : isRelease(dir) ? AudioFrontend.fromFunasrRelease(dir, cmvn!) : AudioFrontend.load(dir)),
    defaultConfig: { frontend: "WavFrontend", mode, frontend_conf: { cmvn_file: null } },
  };
}
