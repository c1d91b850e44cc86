/**
 * The one loader: a located model's parts, each built when first asked for — the
 * feature extractor, the networks by role (configured by their own config.json,
 * by what the release layout read, or by the family's released configuration
 * with the sizes read off the tensor shapes), and the tokenizer. The Transcriber
 * asks for all of them; `inspect` and `--memory` only for what they need.
 */
import type { FeatureExtractor } from "../audio/features/feature-extractor";
import { parseWith, readConfig } from "../config";
import { ModelFileError } from "../errors";
import type { ComponentRole, NetworkComponent } from "../families/family";
import { loadNetwork, networkIndex, type TensorSource } from "../nn/network";
import type { LocatedModel } from "./model-files";
import { TextTokenizer } from "./tokenizer";

export interface ModelLoadOptions {
  /** Quantize a float language model while loading. */
  readonly quantizeBits?: 4 | 8;
}

export class ModelParts {
  private readonly built = new Map<string, unknown>();

  constructor(
    readonly files: LocatedModel,
    readonly options: ModelLoadOptions = {},
  ) {}

  get family() {
    return this.files.family;
  }

  /** Whether the folder holds this part (a bare language model has no audio parts). */
  has(role: ComponentRole): boolean {
    return this.files[role] !== undefined;
  }

  features(): FeatureExtractor {
    return this.once("features", () => this.family.features.load(this.files.frontendDir));
  }

  component(role: ComponentRole): NetworkComponent {
    const component = this.family.components.find((c) => c.role === role);
    if (!component) throw new Error(`family ${this.family.name} has no ${role}`);
    return component;
  }

  /** The configuration of a part, without loading its weights. */
  config(role: ComponentRole): unknown {
    return this.once(`config:${role}`, () => {
      const component = this.component(role);
      const located = this.located(role);
      const network = component.network;
      if (located.configFile) return readConfig(located.configFile, network.schema);
      if (located.config !== undefined) return parseWith(network.schema, located.config, located.dir);
      const { index } = networkIndex(network, this.source(role), component.released);
      return network.configFromShapes(index, component.released);
    });
  }

  /** The network of a part, loaded once. */
  network<N>(role: ComponentRole): Promise<N> {
    return this.once(`network:${role}`, () => {
      const component = this.component(role);
      const located = this.located(role);
      return Promise.resolve(loadNetwork(component.network, this.config(role), this.source(role), {
        configSource: located.configFile ?? located.dir,
        quantizeBits: role === "decoder" ? this.options.quantizeBits : undefined,
      })) as Promise<N>;
    });
  }

  tokenizer(): TextTokenizer {
    return this.once("tokenizer", () => TextTokenizer.load(this.files.tokenizerDir));
  }

  private located(role: ComponentRole) {
    const located = this.files[role];
    if (!located) throw new ModelFileError("COMPONENT_MISSING", this.files.root, `holds no ${role} (a ${this.family.name} ${role} is needed here)`);
    return located;
  }

  private source(role: ComponentRole): TensorSource {
    const located = this.located(role);
    return { files: located.files, prefix: located.prefix };
  }

  private once<T>(key: string, make: () => T): T {
    if (!this.built.has(key)) this.built.set(key, make());
    return this.built.get(key) as T;
  }
}
