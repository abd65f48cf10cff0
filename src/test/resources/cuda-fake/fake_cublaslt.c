/*
 * A fake cuBLASLt (libcublasLt.so) for testing NvidiaRuntime's GEMM-with-bias path (CublasLtLibrary) without a GPU:
 * the functions CublasLtLibrary binds, with cublasLt.h's prototypes written out by hand (no cuBLAS headers on the build
 * machines), operating on the fake driver's "device" memory, which is host memory. It implements what cublasLt.h
 * documents, independently of Lethe's binding:
 *   - matrices are COLUMN-MAJOR; a layout (cublasLtMatrixLayoutCreate: type, rows, cols, ld) describes a matrix as
 *     stored, before its op; ld >= rows;
 *   - cublasLtMatmul computes D = alpha * op(A) op(B) + beta * C with op from CUBLASLT_MATMUL_DESC_TRANSA / TRANSB
 *     (default CUBLAS_OP_N), op(A) [m, k], op(B) [k, n], C and D [m, n] (their layouts must agree); C is not read when
 *     beta == 0;
 *   - CUBLASLT_MATMUL_DESC_EPILOGUE = CUBLASLT_EPILOGUE_BIAS (4) adds the vector at CUBLASLT_MATMUL_DESC_BIAS_POINTER,
 *     whose length is D's ROW count, to every column of D (bias[i] to D[i, j] for all j); its type is D's (CUDA_R_32F)
 *     or CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE; CUBLASLT_EPILOGUE_DEFAULT (1) adds nothing;
 *   - attribute sizes are checked (int32/uint32: 4 bytes, pointers 8, the workspace limit uint64: 8): a wrong size is
 *     CUBLAS_STATUS_INVALID_VALUE, as the header says;
 *   - operand types CUDA_R_32F (0) or CUDA_R_16BF (14: the upper 16 bits of a float32) for A and B, CUDA_R_32F for C
 *     and D; compute types CUBLAS_COMPUTE_32F (68) or CUBLAS_COMPUTE_32F_FAST_TF32 (77), scale type CUDA_R_32F;
 *     anything else is CUBLAS_STATUS_NOT_SUPPORTED;
 *   - cublasLtMatmulAlgoGetHeuristic returns one algorithm (a cublasLtMatmulHeuristicResult_t of 96 bytes: algo 64
 *     bytes, size_t workspaceSize, cublasStatus_t state, float wavesCount, int reserved[4]) asking for a workspace of
 *     fake_cublaslt_workspace bytes (default 4096), or CUBLAS_STATUS_NOT_SUPPORTED when a hook says so; the workspace
 *     must not exceed CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES; cublasLtMatmul checks it got an algorithm from the
 *     heuristic and a workspace of that size.
 * Sums are accumulated in double and rounded once to float; the bias is added in float. Hooks report what the last
 * matmul ran with, count heuristic and matmul calls and the objects alive.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int cublasStatus_t;
enum { OK = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 7, NOT_SUPPORTED = 15 };
enum { R_32F = 0, R_16BF = 14, COMPUTE_32F = 68, COMPUTE_32F_FAST_TF32 = 77 };
enum { TRANSA = 3, TRANSB = 4, EPILOGUE = 7, BIAS_POINTER = 8, BIAS_DATA_TYPE = 26, PREF_MAX_WORKSPACE = 1 };
enum { EPILOGUE_DEFAULT = 1, EPILOGUE_BIAS = 4 };
#define ALGO_MAGIC 0x4c54414c474fULL

typedef struct { int magic; } *cublasLtHandle_t;
typedef struct { int compute, scale, transa, transb; unsigned epilogue; const void *bias; int bias_type; } *cublasLtMatmulDesc_t;
typedef struct { int type; uint64_t rows, cols; int64_t ld; } *cublasLtMatrixLayout_t;
typedef struct { uint64_t max_workspace; } *cublasLtMatmulPreference_t;
typedef struct { uint64_t data[8]; } cublasLtMatmulAlgo_t;
typedef struct { cublasLtMatmulAlgo_t algo; size_t workspaceSize; cublasStatus_t state; float wavesCount; int reserved[4]; }
    cublasLtMatmulHeuristicResult_t;

static int live, heuristic_calls, matmul_calls, unsupported;
static size_t workspace_bytes = 4096;
/* the last matmul: transa, transb, epilogue, compute, A type, B type, m, n, k, workspace size, stream, workspace pointer */
static long long last[12];

void fake_cublaslt_reset(void) { heuristic_calls = matmul_calls = unsupported = 0; workspace_bytes = 4096; memset(last, 0, sizeof last); }
int fake_cublaslt_live(void) { return live; }
void fake_cublaslt_unsupported(int on) { unsupported = on; }
void fake_cublaslt_workspace(long long bytes) { workspace_bytes = (size_t)bytes; }
void fake_cublaslt_record(long long *out) { out[0] = heuristic_calls; out[1] = matmul_calls; memcpy(out + 2, last, sizeof last); }

cublasStatus_t cublasLtCreate(cublasLtHandle_t *h) { if (!h) return INVALID_VALUE; *h = calloc(1, sizeof **h); live++; return OK; }
cublasStatus_t cublasLtDestroy(cublasLtHandle_t h) { if (!h) return NOT_INITIALIZED; free(h); live--; return OK; }
size_t cublasLtGetVersion(void) { return 130100; }
const char *cublasLtGetStatusName(cublasStatus_t s) {
    return s == OK ? "CUBLAS_STATUS_SUCCESS" : s == INVALID_VALUE ? "CUBLAS_STATUS_INVALID_VALUE"
         : s == NOT_SUPPORTED ? "CUBLAS_STATUS_NOT_SUPPORTED" : s == NOT_INITIALIZED ? "CUBLAS_STATUS_NOT_INITIALIZED" : "CUBLAS_STATUS_?";
}
const char *cublasLtGetStatusString(cublasStatus_t s) { return s == INVALID_VALUE ? "an invalid value was used as an argument" : "?"; }

cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *d, int compute, int scale) {
    if (!d) return INVALID_VALUE;
    if ((compute != COMPUTE_32F && compute != COMPUTE_32F_FAST_TF32) || scale != R_32F) return NOT_SUPPORTED;
    *d = calloc(1, sizeof **d);
    (*d)->compute = compute; (*d)->scale = scale; (*d)->epilogue = EPILOGUE_DEFAULT; (*d)->bias_type = -1;
    live++;
    return OK;
}
cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t d) { if (!d) return INVALID_VALUE; free(d); live--; return OK; }
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t d, int attr, const void *buf, size_t size) {
    if (!d || !buf) return INVALID_VALUE;
    switch (attr) {
    case TRANSA: case TRANSB: {
        if (size != 4) return INVALID_VALUE;
        int v; memcpy(&v, buf, 4);
        if (v != 0 && v != 1) return INVALID_VALUE;
        if (attr == TRANSA) d->transa = v; else d->transb = v;
        return OK;
    }
    case EPILOGUE: if (size != 4) return INVALID_VALUE; memcpy(&d->epilogue, buf, 4); return OK;
    case BIAS_POINTER: if (size != sizeof(void *)) return INVALID_VALUE; memcpy(&d->bias, buf, sizeof(void *)); return OK;
    case BIAS_DATA_TYPE: if (size != 4) return INVALID_VALUE; memcpy(&d->bias_type, buf, 4); return OK;
    default: return INVALID_VALUE;
    }
}

cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *l, int type, uint64_t rows, uint64_t cols, int64_t ld) {
    if (!l) return INVALID_VALUE;
    if (type != R_32F && type != R_16BF) return NOT_SUPPORTED;
    if (ld < (int64_t)(rows > 1 ? rows : 1)) return INVALID_VALUE;
    *l = calloc(1, sizeof **l);
    (*l)->type = type; (*l)->rows = rows; (*l)->cols = cols; (*l)->ld = ld;
    live++;
    return OK;
}
cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t l) { if (!l) return INVALID_VALUE; free(l); live--; return OK; }

cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t *p) { if (!p) return INVALID_VALUE; *p = calloc(1, sizeof **p); live++; return OK; }
cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t p) { if (!p) return INVALID_VALUE; free(p); live--; return OK; }
cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t p, int attr, const void *buf, size_t size) {
    if (!p || !buf || attr != PREF_MAX_WORKSPACE || size != 8) return INVALID_VALUE;
    memcpy(&p->max_workspace, buf, 8);
    return OK;
}

/* The problem's m, n, k from the layouts and ops, or -1 when they disagree. */
static int shape(cublasLtMatmulDesc_t d, cublasLtMatrixLayout_t A, cublasLtMatrixLayout_t B, cublasLtMatrixLayout_t C,
                 cublasLtMatrixLayout_t D, uint64_t *m, uint64_t *n, uint64_t *k) {
    uint64_t am = d->transa ? A->cols : A->rows, ak = d->transa ? A->rows : A->cols;
    uint64_t bk = d->transb ? B->cols : B->rows, bn = d->transb ? B->rows : B->cols;
    if (ak != bk || D->rows != am || D->cols != bn || C->rows != D->rows || C->cols != D->cols || C->type != R_32F || D->type != R_32F)
        return -1;
    if (A->type != B->type) return -1;
    *m = am; *n = bn; *k = ak;
    return 0;
}

cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t h, cublasLtMatmulDesc_t d, cublasLtMatrixLayout_t A,
                                              cublasLtMatrixLayout_t B, cublasLtMatrixLayout_t C, cublasLtMatrixLayout_t D,
                                              cublasLtMatmulPreference_t p, int requested, cublasLtMatmulHeuristicResult_t *results,
                                              int *returned) {
    if (!h) return NOT_INITIALIZED;
    if (!d || !A || !B || !C || !D || !p || requested <= 0 || !results || !returned) return INVALID_VALUE;
    heuristic_calls++;
    uint64_t m, n, k;
    if (shape(d, A, B, C, D, &m, &n, &k)) return INVALID_VALUE;
    if (unsupported || (d->epilogue != EPILOGUE_DEFAULT && d->epilogue != EPILOGUE_BIAS)) return NOT_SUPPORTED;
    if (workspace_bytes > p->max_workspace) { *returned = 0; return OK; }
    memset(results, 0, sizeof *results);
    results->algo.data[0] = ALGO_MAGIC;
    results->workspaceSize = workspace_bytes;
    results->state = OK;
    results->wavesCount = 1.0f;
    *returned = 1;
    return OK;
}

static float element(const void *p, int type, size_t i) {
    if (type == R_32F) return ((const float *)p)[i];
    unsigned int bits = (unsigned int)((const unsigned short *)p)[i] << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

cublasStatus_t cublasLtMatmul(cublasLtHandle_t h, cublasLtMatmulDesc_t d, const void *alpha, const void *Ap,
                              cublasLtMatrixLayout_t A, const void *Bp, cublasLtMatrixLayout_t B, const void *beta,
                              const void *Cp, cublasLtMatrixLayout_t C, void *Dp, cublasLtMatrixLayout_t D,
                              const cublasLtMatmulAlgo_t *algo, void *workspace, size_t workspace_size, void *stream) {
    if (!h) return NOT_INITIALIZED;
    if (!d || !alpha || !beta || !A || !B || !C || !D || !Dp) return INVALID_VALUE;
    uint64_t m, n, k;
    if (shape(d, A, B, C, D, &m, &n, &k)) return INVALID_VALUE;
    if (!algo || algo->data[0] != ALGO_MAGIC) return INVALID_VALUE;   /* this fake's heuristic gave it */
    if (workspace_size < workspace_bytes || (workspace_bytes > 0 && !workspace)) return INVALID_VALUE;
    if (d->epilogue == EPILOGUE_BIAS && (!d->bias || (d->bias_type != -1 && d->bias_type != R_32F))) return INVALID_VALUE;
    if (d->epilogue != EPILOGUE_DEFAULT && d->epilogue != EPILOGUE_BIAS) return NOT_SUPPORTED;
    matmul_calls++;
    long long rec[12] = {d->transa, d->transb, d->epilogue, d->compute, A->type, B->type, (long long)m, (long long)n,
                         (long long)k, (long long)workspace_size, (long long)(intptr_t)stream, (long long)(intptr_t)workspace};
    memcpy(last, rec, sizeof rec);
    float al = *(const float *)alpha, be = *(const float *)beta;
    const float *bias = (const float *)d->bias;
    for (uint64_t j = 0; j < n; j++)
        for (uint64_t i = 0; i < m; i++) {
            double s = 0;
            for (uint64_t p = 0; p < k; p++) {
                float a = element(Ap, A->type, d->transa ? p + i * A->ld : i + p * A->ld);  /* op(A)[i, p] */
                float b = element(Bp, B->type, d->transb ? j + p * B->ld : p + j * B->ld);  /* op(B)[p, j] */
                s += (double)a * b;
            }
            float v = al * (float)s + (be == 0 ? 0 : be * ((const float *)Cp)[i + j * C->ld]);
            if (d->epilogue == EPILOGUE_BIAS) v += bias[i];   /* a vector over D's rows, broadcast to every column */
            ((float *)Dp)[i + j * D->ld] = v;
        }
    return OK;
}
