/** Every parser the fuzzer covers. */
import type { FuzzTarget } from "./target";
import { targetNameOfCase } from "./target-names";
import { configTarget } from "./targets/config";
import { multipartTarget } from "./targets/multipart";
import { pickleTarget } from "./targets/pickle";
import { pytorchTarget } from "./targets/pytorch";
import { safetensorsTarget } from "./targets/safetensors";
import { wavTarget } from "./targets/wav";

const BY_NAME = new Map<string, FuzzTarget>([wavTarget, safetensorsTarget, pytorchTarget, pickleTarget, multipartTarget, configTarget].map((t) => [t.name, t]));

export function targetOfCase(index: number, only: readonly string[] = []): FuzzTarget {
  return BY_NAME.get(targetNameOfCase(index, only))!;
}
