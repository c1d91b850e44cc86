/**
 * Upper bounds the config schemas put on counts that code loops over before any
 * weight is read (one tensor name per layer): a damaged config.json saying
 * 2,000,000 layers must be a config error, not minutes of building names.
 */

/** More layers than any released network has (Qwen3-235B: 94). */
export const MAX_LAYERS = 1024;
