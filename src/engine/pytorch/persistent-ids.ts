/**
 * The persistent ids `torch.save` writes for storages:
 * `('storage', <StorageType>, key, location, numel)` in the ZIP format and
 * `('storage', <StorageType>, key, location, numel, view_metadata)` in the legacy
 * one (torch/serialization.py `persistent_id`). Each key becomes one storage;
 * a key named twice must agree with itself.
 */
import { storageDtype } from "./torch-dtypes";
import { BadCallError, PickleGlobal, PickleTuple, TorchStorage, describeValue, type PickleValue } from "./pickle-values";

export class StorageTable {
  readonly byKey = new Map<string, TorchStorage>();

  constructor(private readonly format: "zip" | "legacy") {}

  /** BINPERSID: the storage a persistent id names. */
  load(pid: PickleValue): TorchStorage {
    if (!(pid instanceof PickleTuple)) throw new BadCallError(`persistent id is ${describeValue(pid)}, not a tuple`);
    const [kind, type, key, location, numel, view] = pid.items;
    if (kind === "module") throw new BadCallError("the checkpoint pickles a whole nn.Module, not a state dict; save model.state_dict() instead");
    if (kind !== "storage") throw new BadCallError(`persistent id of kind ${typeof kind === "string" ? `"${kind}"` : describeValue(kind ?? null)}; only storages are supported`);
    const arity = this.format === "zip" ? 5 : 6;
    if (pid.items.length !== arity) throw new BadCallError(`a storage persistent id has ${arity} items in the ${this.format} format, got ${pid.items.length}`);
    const dtype = type instanceof PickleGlobal ? storageDtype(type.module, type.name) : undefined;
    if (!dtype) throw new BadCallError(`storage type is ${describeValue(type ?? null)}, not a torch storage class`);
    if (typeof key !== "string" || typeof location !== "string") throw new BadCallError("storage key and location must be strings");
    if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) throw new BadCallError(`storage "${key}" has an invalid size ${describeValue(numel ?? null)}`);
    if (view !== undefined && view !== null) throw new BadCallError(`storage "${key}" is a storage view (torch < 0.4), which is not supported`);
    const known = this.byKey.get(key);
    if (known) {
      if (known.dtype !== dtype || known.numel !== numel) {
        throw new BadCallError(`storage "${key}" is named as ${known.numel} × ${known.dtype.name} and as ${numel} × ${dtype.name}`);
      }
      return known;
    }
    const storage = new TorchStorage(key, dtype, numel);
    this.byKey.set(key, storage);
    return storage;
  }
}
