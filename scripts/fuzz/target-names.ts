/** The fuzz targets by name, in the order cases rotate through them (importable without loading the parsers). */
export const TARGET_NAMES = ["wav", "safetensors", "pytorch", "pickle", "multipart", "config"] as const;

export function targetNameOfCase(index: number, only: readonly string[] = []): string {
  const pool = only.length > 0 ? TARGET_NAMES.filter((t) => only.includes(t)) : TARGET_NAMES;
  return pool[index % pool.length]!;
}
