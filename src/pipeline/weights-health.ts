/**
 * Corrupt weights found by what they produce: a healthy network given finite
 * input gives finite output, so NaN or ±∞ out of a part means its weight files
 * are damaged. Checked on the outputs the pipeline computes anyway (one
 * reduction each), and reported with the part's files instead of a transcript
 * of "!!!!".
 */
import { mx, type Tensor } from "../engine/mlx";
import { ModelFileError } from "../errors";
import type { ComponentRole, LocatedModel } from "../families/family";

/** Whether every value of `values` is finite (summed in float32, where half floats could overflow). */
export function allFinite(values: Tensor): boolean {
  if (values.size === 0) return true;
  return Number.isFinite(mx.sum(mx.abs(values.astype(mx.float32))).item() as number);
}

/** The error for a part whose output is not finite: it names the part's weight files. */
export function corruptWeights(files: LocatedModel, role: ComponentRole): ModelFileError {
  const located = files[role];
  const weights = located?.files.length ? located.files : [located?.dir ?? files.root];
  return new ModelFileError(
    "WEIGHTS_NOT_FINITE",
    weights[0]!,
    `the ${role} computes NaN or infinite values from finite input: its weights are corrupt${weights.length > 1 ? ` (one of ${weights.join(", ")})` : ""}; download or convert them again`,
  );
}

/** Throws `corruptWeights` when `values`, computed by the `role` part, are not all finite. */
export function expectFiniteOutput(files: LocatedModel, role: ComponentRole, values: Tensor): void {
  if (!allFinite(values)) throw corruptWeights(files, role);
}
