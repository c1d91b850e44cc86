/**
 * Network pieces whose forward runs as one compiled engine function of
 * (inputs, parameters). Compiling matters here beyond fusing kernels: an eager
 * graph built from JS keeps every intermediate alive until its JS wrapper is
 * garbage-collected, so a 36-layer prefill held gigabytes of activations at once;
 * inside a compiled function intermediates have no wrappers and are freed as the
 * engine goes.
 *
 * A module lists its tensors in `params` in the order its `call` reads them, and
 * states in `signature` everything else its computation depends on; modules with
 * equal signatures share one compiled function (the engine retraces it per input
 * shape, the parameters' shapes included). So a body may use sizes read off the
 * traced tensors, but no value of its instance that the signature does not name.
 * Where compilation is unavailable (engine/compilation.ts) the same body runs eagerly.
 */
import { compilationEnabled } from "../engine/compilation";
import { mx, type Tensor } from "../engine/mlx";

export class ParamCursor {
  private index = 0;

  constructor(private readonly all: readonly Tensor[]) {}

  next(): Tensor {
    const tensor = this.all[this.index++];
    if (!tensor) throw new Error(`module read parameter ${this.index - 1} of ${this.all.length}`);
    return tensor;
  }
}

export interface Module {
  /** Tensors in the order `call` reads them. */
  readonly params: readonly Tensor[];
  /** Everything besides the tensors that the computation depends on. */
  readonly signature: string;
}

type CompiledFunction = (...args: Tensor[]) => Tensor | Tensor[];

const compiledFunctions = new Map<string, CompiledFunction>();

/**
 * Runs `body(inputs, parameters)` as the compiled function for `module.signature`
 * (and this number of inputs). `body` must read parameters only through the cursor
 * and depend on nothing that the signature does not name.
 */
export function callCompiled(module: Module, inputs: Tensor[], body: (inputs: Tensor[], params: ParamCursor) => Tensor[]): Tensor[] {
  if (!compilationEnabled()) return body(inputs, new ParamCursor(module.params));
  const key = `${module.signature}#${inputs.length}`;
  let fn = compiledFunctions.get(key);
  if (!fn) {
    const count = inputs.length;
    fn = mx.compile((...args: Tensor[]) => body(args.slice(0, count), new ParamCursor(args.slice(count))));
    compiledFunctions.set(key, fn);
  }
  const out = fn(...inputs, ...module.params);
  return Array.isArray(out) ? out : [out];
}

/** The params of several modules, concatenated in call order. */
export function paramsOf(...modules: (Module | Tensor)[]): Tensor[] {
  return modules.flatMap((m) => (m instanceof mx.array ? [m as Tensor] : [...(m as Module).params]));
}

export function signatureOf(name: string, ...parts: (Module | string | number | boolean)[]): string {
  return `${name}(${parts.map((p) => (typeof p === "object" ? p.signature : String(p))).join(",")})`;
}
