/*
 * cblas_sgemm — the engine's only BLAS entry point — split by shape: a product
 * with one row or one column (a decode step's matrix × vector) goes to the
 * library's cblas_sgemv, every other product to its cblas_sgemm. OpenBLAS runs a
 * one-row sgemm through its GEMM path at a third of the memory rate its threaded
 * GEMV reaches. The library is opened privately (RTLD_LOCAL, with RTLD_DEEPBIND
 * so its own internal calls stay inside it); its path is given when this is
 * compiled.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float*, int, const float*, int, float, float*, int);

static sgemm_fn products;
static sgemv_fn vector_products;

__attribute__((constructor)) static void open_library(void) {
  void* library = dlopen(MLXA_BLAS, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  products = library ? (sgemm_fn)dlsym(library, "cblas_sgemm") : NULL;
  vector_products = library ? (sgemv_fn)dlsym(library, "cblas_sgemv") : NULL;
  if (!products || !vector_products) {
    fprintf(stderr, "mlx-asr: cannot load cblas_sgemm and cblas_sgemv from %s\n", MLXA_BLAS);
    abort();
  }
}

/*
 * y = alpha·M·x + beta·y for the row-major matrix `a` (rows × cols, or its
 * transpose). With beta 0, y may hold anything (the engine's fresh buffer), and a
 * BLAS that scales it by 0 would keep a NaN: y is cleared first.
 */
static void matrix_vector(int trans, int rows, int cols, float alpha, const float* a, int lda, const float* x, int incx, float beta, float* y, int incy) {
  if (beta == 0.0f) {
    int length = trans == NO_TRANS ? rows : cols;
    for (int i = 0; i < length; i++) y[(long)i * incy] = 0.0f;
  }
  vector_products(ROW_MAJOR, trans, rows, cols, alpha, a, lda, x, incx, beta, y, incy);
}

void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  if (order == ROW_MAJOR && k > 0 && m == 1) {
    /* c (1 × n) = op(a) (1 × k) · op(b) (k × n): the vector is a's one row or column. */
    int incx = trans_a == NO_TRANS ? 1 : lda;
    if (trans_b == TRANS)
      matrix_vector(NO_TRANS, n, k, alpha, b, ldb, a, incx, beta, c, 1);
    else
      matrix_vector(TRANS, k, n, alpha, b, ldb, a, incx, beta, c, 1);
    return;
  }
  if (order == ROW_MAJOR && k > 0 && n == 1) {
    /* c (m × 1) = op(a) (m × k) · op(b) (k × 1): the vector is b's one column or row. */
    int incx = trans_b == NO_TRANS ? ldb : 1;
    if (trans_a == NO_TRANS)
      matrix_vector(NO_TRANS, m, k, alpha, a, lda, b, incx, beta, c, ldc);
    else
      matrix_vector(TRANS, k, m, alpha, a, lda, b, incx, beta, c, ldc);
    return;
  }
  products(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
