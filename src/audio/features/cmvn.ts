/**
 * CMVN from a Kaldi nnet1 text file (`am.mvn`): the `<AddShift>` and `<Rescale>`
 * vectors, applied after LFR as (x + shift) · rescale.
 */
import { readFileSync } from "node:fs";
import { ModelFileError } from "../../errors";
import { mx, type Tensor } from "../../engine/mlx";
import { toTensor } from "../../engine/transfer";

export interface Cmvn {
  readonly shift: Tensor;
  readonly rescale: Tensor;
  readonly dim: number;
}

/** FunASR's rule: the vector is on the line after the tag, `<LearnRateCoef> 0 [ v… ]`. */
function vectorAfter(lines: string[][], tag: string, path: string): Float32Array {
  const at = lines.findIndex((tokens) => tokens[0] === tag);
  const next = at >= 0 ? lines[at + 1] : undefined;
  if (!next || next[0] !== "<LearnRateCoef>" || next[2] !== "[" || next[next.length - 1] !== "]") {
    throw new ModelFileError("CMVN_INVALID", path, `no "<LearnRateCoef> 0 [ ... ]" vector after ${tag}`);
  }
  const values = next.slice(3, -1).map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new ModelFileError("CMVN_INVALID", path, `the ${tag} vector holds a value that is not a finite number`);
  }
  return Float32Array.from(values);
}

export function loadCmvn(path: string): Cmvn {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ModelFileError("FILE_MISSING", path, "CMVN file (am.mvn) does not exist or cannot be read");
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim().split(/\s+/).filter(Boolean));
  const shift = vectorAfter(lines, "<AddShift>", path);
  const rescale = vectorAfter(lines, "<Rescale>", path);
  if (shift.length !== rescale.length) {
    throw new ModelFileError("CMVN_INVALID", path, `shift has ${shift.length} values but rescale has ${rescale.length}`);
  }
  return { shift: toTensor(shift), rescale: toTensor(rescale), dim: shift.length };
}

export function applyCmvn(features: Tensor, cmvn: Cmvn): Tensor {
  return mx.multiply(mx.add(features, cmvn.shift), cmvn.rescale);
}
