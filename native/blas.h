// blas.h — the one BLAS routine liblethe_cpu calls (single-precision GEMM with the CBLAS interface), reached
// through a function pointer that lethe_init sets. The library is not linked against a BLAS: Java loads
// OpenBLAS (the copy that Maven resolves, org.bytedeco:openblas, or one the user names), chooses and checks its
// kernel, and hands cblas_sgemm's address over. So the native build needs only a C compiler, and a BLAS whose
// kernel failed its check can be replaced by another copy without rebuilding or relinking anything.
#ifndef LETHE_BLAS_H
#define LETHE_BLAS_H

// The CBLAS enumerations (values fixed by the CBLAS standard, cblas.h of every implementation).
enum { LETHE_CBLAS_ROW_MAJOR = 101, LETHE_CBLAS_NO_TRANS = 111, LETHE_CBLAS_TRANS = 112 };

// cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
typedef void (*lethe_sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

// Set once by lethe_init before any kernel runs.
extern lethe_sgemm_fn lethe_blas_sgemm;

// Row-major sgemm through the pointer: C [M, N] = alpha op(A) op(B) + beta C.
static inline void blas_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                              const float *b, int ldb, float beta, float *c, int ldc) {
    lethe_blas_sgemm(LETHE_CBLAS_ROW_MAJOR, trans_a ? LETHE_CBLAS_TRANS : LETHE_CBLAS_NO_TRANS,
                     trans_b ? LETHE_CBLAS_TRANS : LETHE_CBLAS_NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

#endif
