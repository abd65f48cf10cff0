/*
 * A fake cuBLAS (libcublas.so) for testing NvidiaRuntime's GEMM path without a GPU: the functions CublasLibrary
 * binds, with cublas_api.h's prototypes written out by hand (no cuBLAS header on the build machines), operating on
 * the fake driver's "device" memory, which is host memory. cublasSgemm_v2 and cublasSgemmStridedBatched are the
 * textbook column-major BLAS SGEMM (C = alpha op(A) op(B) + beta C, op = N or T, leading dimensions checked as
 * cuBLAS checks them), so a test of the row-major mapping in CublasLibrary compares against an independent
 * definition. Hooks report the math mode, pointer mode and stream the last GEMM ran with. cublasGemmEx and
 * cublasGemmStridedBatchedEx are the same textbook GEMM over float32 (CUDA_R_32F = 0) or bfloat16 (CUDA_R_16BF = 14:
 * the upper 16 bits of a float32) operands, with a float32 C and CUBLAS_COMPUTE_32F (68) only (anything else is
 * CUBLAS_STATUS_NOT_SUPPORTED); a hook reports the types, compute type and algorithm of the last one.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef int cublasStatus_t;
typedef struct cublasContext { int math_mode, pointer_mode; void *stream; } *cublasHandle_t;
enum { OK = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 7, NOT_SUPPORTED = 15 };

static int last_math_mode = -1, last_pointer_mode = -1;
static void *last_stream = (void *)1;

int fake_cublas_last(int *math_mode, int *pointer_mode, void **stream) { *math_mode = last_math_mode; *pointer_mode = last_pointer_mode; *stream = last_stream; return 0; }

cublasStatus_t cublasCreate_v2(cublasHandle_t *h) { *h = calloc(1, sizeof **h); (*h)->pointer_mode = 0; return OK; }
cublasStatus_t cublasDestroy_v2(cublasHandle_t h) { if (!h) return NOT_INITIALIZED; free(h); return OK; }
cublasStatus_t cublasGetVersion_v2(cublasHandle_t h, int *v) { if (!h) return NOT_INITIALIZED; *v = 130000; return OK; }
cublasStatus_t cublasSetStream_v2(cublasHandle_t h, void *s) { if (!h) return NOT_INITIALIZED; h->stream = s; return OK; }
cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t h, int mode) { if (!h || mode < 0 || mode > 1) return INVALID_VALUE; h->pointer_mode = mode; return OK; }
cublasStatus_t cublasSetMathMode(cublasHandle_t h, int mode) { if (!h) return NOT_INITIALIZED; h->math_mode = mode; return OK; }
const char *cublasGetStatusName(cublasStatus_t s) { return s == INVALID_VALUE ? "CUBLAS_STATUS_INVALID_VALUE" : s == OK ? "CUBLAS_STATUS_SUCCESS" : "CUBLAS_STATUS_?"; }
const char *cublasGetStatusString(cublasStatus_t s) { return s == INVALID_VALUE ? "an invalid value was used as an argument" : "?"; }

static cublasStatus_t gemm(cublasHandle_t h, int ta, int tb, int m, int n, int k, const float *alpha, const float *A,
                           int lda, const float *B, int ldb, const float *beta, float *C, int ldc) {
    if (!h) return NOT_INITIALIZED;
    if (ta < 0 || ta > 1 || tb < 0 || tb > 1 || m < 0 || n < 0 || k < 0) return INVALID_VALUE;
    if (lda < (ta ? (k > 1 ? k : 1) : (m > 1 ? m : 1)) || ldb < (tb ? (n > 1 ? n : 1) : (k > 1 ? k : 1)) || ldc < (m > 1 ? m : 1))
        return INVALID_VALUE;
    last_math_mode = h->math_mode; last_pointer_mode = h->pointer_mode; last_stream = h->stream;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
                float a = ta ? A[p + (size_t)i * lda] : A[i + (size_t)p * lda];  /* op(A)[i,p] */
                float b = tb ? B[j + (size_t)p * ldb] : B[p + (size_t)j * ldb];  /* op(B)[p,j] */
                s += (double)a * b;
            }
            float *c = &C[i + (size_t)j * ldc];
            *c = *alpha * (float)s + (*beta == 0 ? 0 : *beta * *c);
        }
    return OK;
}

cublasStatus_t cublasSgemm_v2(cublasHandle_t h, int ta, int tb, int m, int n, int k, const float *alpha, const float *A,
                              int lda, const float *B, int ldb, const float *beta, float *C, int ldc) {
    return gemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t h, int ta, int tb, int m, int n, int k, const float *alpha,
                                         const float *A, int lda, long long sa, const float *B, int ldb, long long sb,
                                         const float *beta, float *C, int ldc, long long sc, int batch) {
    if (batch < 0) return INVALID_VALUE;
    for (int i = 0; i < batch; i++) {
        cublasStatus_t st = gemm(h, ta, tb, m, n, k, alpha, A + i * sa, lda, B + i * sb, ldb, beta, C + i * sc, ldc);
        if (st) return st;
    }
    return OK;
}

/* ---- cublasGemmEx ------------------------------------------------------------------------------------------------ */

enum { R_32F = 0, R_16BF = 14, COMPUTE_32F = 68 };
static int last_ex[5] = {-1, -1, -1, -1, -2};  /* Atype, Btype, Ctype, computeType, algo */

int fake_cublas_last_ex(int *out) { memcpy(out, last_ex, sizeof last_ex); return 0; }

static float element(const void *p, int type, size_t i) {
    if (type == R_32F) return ((const float *)p)[i];
    unsigned int bits = (unsigned int)((const unsigned short *)p)[i] << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static cublasStatus_t gemm_ex(cublasHandle_t h, int ta, int tb, int m, int n, int k, const float *alpha, const void *A,
                              int at, int lda, const void *B, int bt, int ldb, const float *beta, float *C, int ct, int ldc,
                              int compute, int algo) {
    if (!h) return NOT_INITIALIZED;
    if (ta < 0 || ta > 1 || tb < 0 || tb > 1 || m < 0 || n < 0 || k < 0) return INVALID_VALUE;
    if ((at != R_32F && at != R_16BF) || bt != at || ct != R_32F || compute != COMPUTE_32F) return NOT_SUPPORTED;
    if (lda < (ta ? (k > 1 ? k : 1) : (m > 1 ? m : 1)) || ldb < (tb ? (n > 1 ? n : 1) : (k > 1 ? k : 1)) || ldc < (m > 1 ? m : 1))
        return INVALID_VALUE;
    last_math_mode = h->math_mode; last_pointer_mode = h->pointer_mode; last_stream = h->stream;
    last_ex[0] = at; last_ex[1] = bt; last_ex[2] = ct; last_ex[3] = compute; last_ex[4] = algo;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
                float a = element(A, at, ta ? p + (size_t)i * lda : i + (size_t)p * lda);
                float b = element(B, bt, tb ? j + (size_t)p * ldb : p + (size_t)j * ldb);
                s += (double)a * b;
            }
            float *c = &C[i + (size_t)j * ldc];
            *c = *alpha * (float)s + (*beta == 0 ? 0 : *beta * *c);
        }
    return OK;
}

static size_t bytes_of(int type) { return type == R_16BF ? 2 : 4; }

cublasStatus_t cublasGemmEx(cublasHandle_t h, int ta, int tb, int m, int n, int k, const void *alpha, const void *A, int at,
                            int lda, const void *B, int bt, int ldb, const void *beta, void *C, int ct, int ldc, int compute,
                            int algo) {
    return gemm_ex(h, ta, tb, m, n, k, alpha, A, at, lda, B, bt, ldb, beta, C, ct, ldc, compute, algo);
}

cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t h, int ta, int tb, int m, int n, int k, const void *alpha,
                                          const void *A, int at, int lda, long long sa, const void *B, int bt, int ldb,
                                          long long sb, const void *beta, void *C, int ct, int ldc, long long sc, int batch,
                                          int compute, int algo) {
    if (batch < 0) return INVALID_VALUE;
    for (int i = 0; i < batch; i++) {
        cublasStatus_t st = gemm_ex(h, ta, tb, m, n, k, alpha, (const char *)A + i * sa * bytes_of(at), at, lda,
                                    (const char *)B + i * sb * bytes_of(bt), bt, ldb, beta, (float *)C + i * sc, ct, ldc,
                                    compute, algo);
        if (st) return st;
    }
    return OK;
}
