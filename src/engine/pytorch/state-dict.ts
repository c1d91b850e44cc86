/**
 * The tensors of a checkpoint's object under dotted names: dict keys and
 * list/tuple indices joined by "." (`state_dict.encoder.after_norm.weight`,
 * `tags.0`), in pickle order. Non-tensor values (epochs, learning rates, a state
 * dict's `_metadata`) are skipped. Shared sub-objects are allowed; cycles are not.
 */
import { ModelFileError } from "../../errors";
import { checkpointCorrupt } from "./checkpoint-errors";
import { PickleDict, PickleTuple, TorchTensor, describeValue, type PickleValue } from "./pickle-values";

export interface NamedTensor {
  readonly name: string;
  readonly tensor: TorchTensor;
}

/** Deeper than any checkpoint nests; a bound that keeps hostile files off the call stack's limit. */
const MAX_DEPTH = 100;
/** Values visited while naming; shared sub-objects can otherwise multiply a small pickle's paths without bound. */
const MAX_VISITS = 10_000_000;

function keyText(key: PickleValue): string | null {
  if (typeof key === "string") return key;
  if (typeof key === "number" && Number.isInteger(key)) return String(key);
  if (typeof key === "bigint") return key.toString();
  return null;
}

function isContainer(value: PickleValue): boolean {
  return value instanceof PickleDict || value instanceof PickleTuple || Array.isArray(value);
}

/** Every tensor under `root`, named by its path. */
export function namedTensors(root: PickleValue, path: string): NamedTensor[] {
  const found: NamedTensor[] = [];
  const names = new Set<string>();
  const open = new Set<PickleValue>();
  let visits = 0;
  const visitChild = (key: PickleValue, child: PickleValue, name: string, depth: number): void => {
    if (++visits > MAX_VISITS) throw checkpointCorrupt(path, `its object has more than ${MAX_VISITS} values to name`);
    if (!(child instanceof TorchTensor) && !isContainer(child)) return;
    const text = keyText(key);
    if (text === null) {
      throw new ModelFileError("CHECKPOINT_KEY_UNSUPPORTED", path, `a key under "${name}" is ${describeValue(key)}; tensors must sit under string or integer keys`);
    }
    walk(child, name === "" ? text : `${name}.${text}`, depth + 1);
  };
  const walk = (value: PickleValue, name: string, depth: number): void => {
    if (value instanceof TorchTensor) {
      const final = name === "" ? "tensor" : name;
      if (names.has(final)) throw new ModelFileError("CHECKPOINT_NAME_CLASH", path, `two tensors are both named "${final}" once keys are joined with "."`);
      names.add(final);
      found.push({ name: final, tensor: value });
      return;
    }
    if (depth >= MAX_DEPTH) throw checkpointCorrupt(path, `its object nests deeper than ${MAX_DEPTH} levels at "${name}"`);
    if (open.has(value)) throw checkpointCorrupt(path, `its object contains itself at "${name}"`);
    open.add(value);
    if (value instanceof PickleDict) {
      for (const [key, child] of value.entries) visitChild(key, child, name, depth);
    } else {
      const items = value instanceof PickleTuple ? value.items : (value as PickleValue[]);
      for (let i = 0; i < items.length; i++) visitChild(i, items[i]!, name, depth);
    }
    open.delete(value);
  };
  if (root instanceof TorchTensor || isContainer(root)) walk(root, "", 0);
  return found;
}

/** The value at a dotted path of dict keys (e.g. "state_dict" or "model.ema"). */
export function selectSubtree(root: PickleValue, keyPath: string, path: string): PickleValue {
  let value = root;
  let at = "";
  for (const part of keyPath.split(".")) {
    const entries = value instanceof PickleDict ? value.entries : null;
    if (!entries || !entries.has(part)) {
      const keys = entries ? [...entries.keys()].filter((k) => typeof k === "string").slice(0, 8) : [];
      throw new ModelFileError(
        "CHECKPOINT_KEY_MISSING",
        path,
        `has no key "${part}"${at ? ` under "${at}"` : ""}${keys.length ? `; its keys include ${keys.map((k) => `"${k as string}"`).join(", ")}` : ` (${at || "the object"} is ${describeValue(value)})`}`,
      );
    }
    value = entries.get(part)!;
    at = at ? `${at}.${part}` : part;
  }
  return value;
}
