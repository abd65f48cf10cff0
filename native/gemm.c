// gemm.c — (batched) matrix products over the BLAS sgemm (blas.h), and the library's one-time setup.
//
// Threading model of liblethe_cpu: OpenBLAS runs single-threaded (Java sets it so when it loads OpenBLAS) and every kernel,
// GEMMs included, is parallelised by OpenMP. One thread pool then serves the whole library; a pthread
// OpenBLAS pool spinning next to the OpenMP team would fight it for the cores. A large product is cut
// into column (or row) blocks, one single-threaded sgemm per block; a batch is spread over the threads.
#include "common.h"

#include "blas.h"

#include <omp.h>

lethe_sgemm_fn lethe_blas_sgemm;

// Called once after loading, before any kernel: the BLAS sgemm every product goes through (a cblas_sgemm
// that runs on the calling thread).
LETHE_EXPORT int lethe_init(void *sgemm) {
    if (!sgemm) return LETHE_ERR_ARG;
    lethe_blas_sgemm = (lethe_sgemm_fn) sgemm;
    return LETHE_OK;
}

// The OpenMP threads a parallel kernel runs on (OMP_NUM_THREADS, else one per core).
LETHE_EXPORT int lethe_omp_threads(void) { return omp_get_max_threads(); }

// Multiply-adds below which a product runs on one thread.
#define GEMM_GRAIN (1 << 20)

typedef struct {
    int64_t m, n, k, lda, ldb, ldc;
    int trans_a, trans_b;
    float alpha, beta;
} gemm_shape;

// out block = alpha * a @ b + beta * out restricted to rows [m0, m1) and columns [n0, n1).
static void gemm_block(const gemm_shape *s, const float *a, const float *b, float *out,
                       int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    if (m1 <= m0 || n1 <= n0) return;
    const float *ap = s->trans_a ? a + m0 : a + m0 * s->lda;
    const float *bp = s->trans_b ? b + n0 * s->ldb : b + n0;
    blas_sgemm(s->trans_a, s->trans_b, (int) (m1 - m0), (int) (n1 - n0), (int) s->k, s->alpha, ap, (int) s->lda, bp,
               (int) s->ldb, s->beta, out + m0 * s->ldc + n0, (int) s->ldc);
}

// Blocks each product is cut into, and along which side, so that `batch` products feed every thread.
static int64_t parts_per_product(const gemm_shape *s, int64_t batch, int *split_n, int64_t *extent) {
    int threads = omp_get_max_threads();
    int64_t work = batch * s->m * s->n * (s->k > 0 ? s->k : 1);
    *split_n = s->n >= s->m;
    *extent = *split_n ? s->n : s->m;
    if (work < GEMM_GRAIN || batch >= 2 * threads || *extent < 32) return 1;
    return threads;
}

// Part `part` of `parts` of one product.
static void gemm_part(const gemm_shape *s, const float *a, const float *b, float *out, int64_t part,
                      int64_t parts, int split_n, int64_t extent) {
    // block borders on multiples of 16 columns/rows
    int64_t lo = (extent * part / parts) & ~(int64_t) 15;
    int64_t hi = part == parts - 1 ? extent : (extent * (part + 1) / parts) & ~(int64_t) 15;
    if (split_n) gemm_block(s, a, b, out, 0, s->m, lo, hi);
    else gemm_block(s, a, b, out, lo, hi, 0, s->n);
}

void sgemm_serial(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                  int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    gemm_shape s = {m, n, k, lda, ldb, ldc, trans_a, trans_b, alpha, beta};
    gemm_block(&s, a, b, c, 0, m, 0, n);
}

void sgemm_parallel(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                    int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    gemm_shape s = {m, n, k, lda, ldb, ldc, trans_a, trans_b, alpha, beta};
    int split_n;
    int64_t extent, parts = parts_per_product(&s, 1, &split_n, &extent);
#pragma omp parallel for schedule(static) if (parts > 1)
    for (int64_t part = 0; part < parts; part++) gemm_part(&s, a, b, c, part, parts, split_n, extent);
}

// desc = { M, N, K, transA, lda, transB, ldb, ldc, batch rank r, batch shape[r], a batch strides[r],
//          b batch strides[r], out batch strides[r] }: out[i] = alpha a[i] @ b[i] + beta out[i] for every
// batch index i, a[i] [M, K] (stored [K, M] when transA), b[i] [K, N] (stored [N, K] when transB), out[i]
// row-major with leading dimension ldc. out does not overlap a or b.
LETHE_EXPORT int lethe_matmul(const int64_t *desc, const float *a, const float *b, float *out, float alpha,
                              float beta) {
    gemm_shape s = {.m = desc[0], .n = desc[1], .k = desc[2], .trans_a = (int) desc[3], .lda = desc[4],
                    .trans_b = (int) desc[5], .ldb = desc[6], .ldc = desc[7], .alpha = alpha, .beta = beta};
    int rank = (int) desc[8];
    if (rank < 0 || rank > LETHE_MAX_RANK) return LETHE_ERR_ARG;
    const int64_t *shape = desc + 9, *sa = shape + rank, *sb = sa + rank, *so = sb + rank;
    int64_t batch = 1;
    for (int d = 0; d < rank; d++) batch *= shape[d];
    if (batch == 0 || s.m == 0 || s.n == 0) return LETHE_OK;

    int split_n;
    int64_t extent, parts = parts_per_product(&s, batch, &split_n, &extent);
    int64_t items = batch * parts;
    int parallel = items > 1 && batch * s.m * s.n * (s.k > 0 ? s.k : 1) >= GEMM_GRAIN;
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
    for (int64_t item = 0; item < items; item++) {
        int64_t bi = item / parts, oa = 0, ob = 0, oo = 0;
        for (int d = rank - 1; d >= 0; d--) {
            int64_t c = bi % shape[d];
            bi /= shape[d];
            oa += c * sa[d];
            ob += c * sb[d];
            oo += c * so[d];
        }
        gemm_part(&s, a + oa, b + ob, out + oo, item % parts, parts, split_n, extent);
    }
    return LETHE_OK;
}
