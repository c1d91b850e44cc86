/**
 * The tensor engine, imported from one place. Everything outside src/engine,
 * src/nn, src/models and adaptor/ talks to tensors only through these modules.
 */
import { core } from "@frost-beta/mlx";

export const mx = core;
export type Tensor = core.array;
export type Dtype = core.Dtype;
