/*
 * Corrections to Node-API functions of Deno 2 (measured on 2.9.6), compiled by
 * deno-engine-copy.ts and bound in place of the originals in a copy of the engine's
 * mlx.node, whose imports of them are renamed (napi_ -> mlxa_, same length):
 *
 * - napi_get_value_int32 and napi_get_value_uint32 convert any value (an array, an
 *   object, undefined, "5") and return napi_ok, where Node, Bun and the Node-API
 *   documentation return napi_number_expected; a BigInt throws instead. The engine
 *   tries `int` first in arguments that take `int | int[]` or `int | array` (shapes,
 *   axes, indices), so [2, 3] became 0. (The engine imports only the int32 one today;
 *   the uint32 one is corrected too, for an engine that imports it.)
 * - napi_get_new_target gives `undefined` instead of NULL on a plain call, so the
 *   engine took `mx.array(x)` for `new mx.array(x)` and failed to wrap `this`.
 *
 * Every other case (a number; a NULL argument) goes to Deno's own function. A value
 * that is not a number is answered by Deno's napi_get_value_double, which is right:
 * napi_number_expected, recorded for napi_get_last_error_info as Node records it.
 *
 * No headers: the few Node-API types are opaque pointers and int statuses.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;

enum { napi_ok = 0, napi_number_expected = 6 };
enum { napi_undefined = 0, napi_number = 3 };

extern int napi_typeof(napi_env env, napi_value value, int *result);
extern int napi_get_value_double(napi_env env, napi_value value, double *result);
extern int napi_get_value_int32(napi_env env, napi_value value, int32_t *result);
extern int napi_get_value_uint32(napi_env env, napi_value value, uint32_t *result);
extern int napi_get_new_target(napi_env env, napi_callback_info info, napi_value *result);

/* Whether `value` is present and not a number (then the answer is napi_number_expected). */
static int is_not_number(napi_env env, napi_value value) {
  int type;
  return value != NULL && napi_typeof(env, value, &type) == napi_ok && type != napi_number;
}

/* napi_number_expected for a value that is not a number, recorded as Deno's own failures are. */
static int number_expected(napi_env env, napi_value value) {
  double ignored;
  int status = napi_get_value_double(env, value, &ignored);
  return status == napi_ok ? napi_number_expected : status;
}

int mlxa_get_value_int32(napi_env env, napi_value value, int32_t *result) {
  if (result != NULL && is_not_number(env, value)) return number_expected(env, value);
  return napi_get_value_int32(env, value, result);
}

int mlxa_get_value_uint32(napi_env env, napi_value value, uint32_t *result) {
  if (result != NULL && is_not_number(env, value)) return number_expected(env, value);
  return napi_get_value_uint32(env, value, result);
}

int mlxa_get_new_target(napi_env env, napi_callback_info info, napi_value *result) {
  int status = napi_get_new_target(env, info, result);
  int type;
  if (status == napi_ok && *result != NULL && napi_typeof(env, *result, &type) == napi_ok && type == napi_undefined) *result = NULL;
  return status;
}

/* Loaded with RTLD_LOCAL by Deno.dlopen; re-opened RTLD_GLOBAL so that the engine's renamed imports find these. */
__attribute__((constructor)) static void promote_to_global_scope(void) {
  Dl_info self;
  if (dladdr((void *)&mlxa_get_value_int32, &self) && self.dli_fname) dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
}

/* The symbol Deno.dlopen binds (it needs one). */
int mlxa_shim_version(void) { return 2; }
