/*
 * cblas_sgemm — the engine's only BLAS entry point — sent to one of two BLAS
 * libraries by shape: a product with one row or one column (a decode step's
 * matrix × vector) to the library that streams those fastest, every other to the
 * one with the faster GEMM. Each is opened privately (RTLD_LOCAL, with
 * RTLD_DEEPBIND so its own internal calls stay inside it), so neither's symbols
 * replace the other's. The paths are given when this is compiled.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);

static sgemm_fn vector_products;
static sgemm_fn matrix_products;

static sgemm_fn open_sgemm(const char* path) {
  void* library = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  return library ? (sgemm_fn)dlsym(library, "cblas_sgemm") : NULL;
}

/* Either library alone serves every product; without both there is no BLAS to call. */
__attribute__((constructor)) static void open_libraries(void) {
  vector_products = open_sgemm(MLXA_VECTOR_BLAS);
  matrix_products = open_sgemm(MLXA_MATRIX_BLAS);
  if (!vector_products) vector_products = matrix_products;
  if (!matrix_products) matrix_products = vector_products;
  if (!vector_products) {
    fprintf(stderr, "mlx-asr: cannot load cblas_sgemm from %s or %s\n", MLXA_VECTOR_BLAS, MLXA_MATRIX_BLAS);
    abort();
  }
}

void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  sgemm_fn fn = (m == 1 || n == 1) ? vector_products : matrix_products;
  fn(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
