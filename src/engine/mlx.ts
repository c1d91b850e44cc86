/**
 * The tensor engine, imported from one place. Everything outside src/engine,
 * src/nn, src/models and adaptor/ talks to tensors only through these modules.
 */
import { loadEngine } from "../runtime";
import { activeBlas } from "./blas";
import { nativeHeapPolicy } from "./native-heap";

// A static import would load the engine's native module before ./blas has chosen the
// BLAS and ./native-heap the C heap's policy (Bun evaluates CommonJS dependencies
// first); loading it here keeps the order.
activeBlas();
nativeHeapPolicy();
const engine = loadEngine();

export const mx = engine.core;
export type Tensor = import("@frost-beta/mlx").core.array;
export type Dtype = import("@frost-beta/mlx").core.Dtype;
