// persample.c — sums of squared gradients for Fisher diagonals, without materialising one gradient per sample:
//   lethe_add_squared                     acc += scale x²  (x strided, acc laid out over x's shape)
//   lethe_per_sample_squared_gemm         acc [M, N] += scale Σ_b (a_b [M, T] @ b_b [T, N])²
//   lethe_per_sample_squared_conv_weight  acc [K, CKK] += scale Σ_n (dy_n [K, P] @ col(x_n)^T [P, CKK])²
//
// The per-sample kernels compute each sample's product with a single-threaded sgemm into a per-thread tile of
// rows (kept small enough for the L2 cache), square it and add it to a partial sum, in one pass over the tile.
// Samples are cut into G fixed groups of consecutive samples, each summed into its own partial [rows, cols] by
// whichever thread takes it; rows are cut into fixed blocks. The partials are then added in group order (in
// double) and scaled into acc. G and the row blocks depend only on the shapes, never on the thread count or
// on which thread ran what, so the same inputs give the same bits on any number of threads.
#include "common.h"
#include "conv.h"

#include "blas.h"
#include <omp.h>
#include <string.h>

// At most this many sample groups (partial sums), and at most PARTIAL_BUDGET bytes of them (conv.h).
#define MAX_GROUPS 8
// Bytes of one thread's product tile: rows of the product kept in L2 between the sgemm and the squaring.
#define TILE_BYTES (256 * 1024)
// Multiply-adds below which a per-sample kernel runs on the calling thread only.
#define PER_SAMPLE_GRAIN (1 << 20)

// ---- acc += scale x² ----------------------------------------------------------------------------------------

typedef struct { double scale; } square_ctx;

static void add_squared_run(int64_t n, char *const *ptr, const int64_t *step, const void *vctx) {
    const double scale = ((const square_ctx *) vctx)->scale;
    const float *x = (const float *) ptr[0];
    float *acc = (float *) ptr[1];
    const int64_t sx = step[0], sa = step[1];
    if (sx == 1 && sa == 1) {
#pragma omp simd
        for (int64_t i = 0; i < n; i++) {
            double v = x[i];
            acc[i] = (float) (acc[i] + scale * (v * v));
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            double v = x[i * sx];
            acc[i * sa] = (float) (acc[i * sa] + scale * (v * v));
        }
    }
}

// layout: { rank, shape, strides of x, strides of acc } (common.h); acc += scale x² computed in double and
// rounded once, as the ref backend does. acc does not overlap x.
LETHE_EXPORT int lethe_add_squared(const int64_t *layout, const float *x, float *acc, double scale) {
    nd_iter it;
    void *base[2] = {(void *) x, acc};
    const int sizes[2] = {4, 4};
    int status = nd_init(&it, layout, 2, base, sizes);
    if (status != LETHE_OK) return status;
    const square_ctx ctx = {scale};
    nd_run(&it, add_squared_run, &ctx, GRAIN_MEMORY);
    return LETHE_OK;
}

// ---- shared: groups, row blocks, squaring, the final reduction -------------------------------------------

// Sample groups for `samples` samples whose partials have `cells` floats each.
static int64_t groups_for(int64_t samples, int64_t cells) {
    int64_t by_budget = PARTIAL_BUDGET / max_i64(1, cells * (int64_t) sizeof(float));
    return max_i64(1, min_i64(samples, min_i64(MAX_GROUPS, by_budget)));
}

// Rows per block of a product with `cols` columns: a multiple of 16 (or all rows) whose tile fits TILE_BYTES.
static int64_t rows_per_block(int64_t rows, int64_t cols) {
    int64_t r = (TILE_BYTES / (int64_t) sizeof(float)) / max_i64(1, cols);
    r = r >= 16 ? r & ~(int64_t) 15 : max_i64(1, r);
    return min_i64(rows, r);
}

// partial [n] = tile² (first sample of the group) or partial += tile².
static void square_into(float *restrict partial, const float *restrict tile, int64_t n, int first) {
    if (first) {
#pragma omp simd
        for (int64_t i = 0; i < n; i++) partial[i] = tile[i] * tile[i];
    } else {
#pragma omp simd
        for (int64_t i = 0; i < n; i++) partial[i] += tile[i] * tile[i];
    }
}

// acc [cells] += scale Σ_g partial[g] (summed in group order in double, rounded once).
static void reduce_groups(float *acc, const float *partial, int64_t groups, int64_t cells, double scale) {
#pragma omp parallel for schedule(static) if (cells * groups >= GRAIN_MEMORY)
    for (int64_t i0 = 0; i0 < cells; i0 += 4096) {
        const int64_t i1 = min_i64(cells, i0 + 4096);
        for (int64_t i = i0; i < i1; i++) {
            double s = 0;
            for (int64_t g = 0; g < groups; g++) s += partial[g * cells + i];
            acc[i] = (float) (acc[i] + scale * s);
        }
    }
}

// ---- per-sample squared GEMM --------------------------------------------------------------------------------

// One operand of the per-sample products: sample s's [rows, cols] matrix starts at base + s batch_stride;
// stored transposed ([cols, rows]) when trans; leading dimension ld.
typedef struct {
    const float *base;
    int64_t batch_stride, ld;
    int trans;
} operand;

// desc = { B, M, N, T, transA, lda, batch stride of a, transB, ldb, batch stride of b } (elements):
// acc [M, N] (contiguous) += scale Σ_b (a_b @ b_b)², a_b [M, T], b_b [T, N].
LETHE_EXPORT int lethe_per_sample_squared_gemm(const int64_t *desc, const float *a, const float *b, float *acc,
                                               double scale) {
    const int64_t samples = desc[0], m = desc[1], n = desc[2], t = desc[3];
    const operand oa = {a, desc[6], desc[5], (int) desc[4]}, ob = {b, desc[9], desc[8], (int) desc[7]};
    if (samples <= 0 || m <= 0 || n <= 0 || t <= 0) return LETHE_OK;   // every product is empty or zero
    const int64_t cells = m * n, groups = groups_for(samples, cells), rows = rows_per_block(m, n);
    const int64_t blocks = (m + rows - 1) / rows, items = groups * blocks;
    // partial: [groups, M, N]
    float *partial = thread_workspace(WS_PER_SAMPLE_PARTIAL, (size_t) (groups * cells) * sizeof(float));
    if (!partial) return LETHE_ERR_NOMEM;
    const int parallel = items > 1 && samples * m * n * t >= PER_SAMPLE_GRAIN;
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
    for (int64_t item = 0; item < items; item++) {
        // tile: [rows, N]
        float *tile = thread_workspace(WS_PER_SAMPLE_PRODUCT, (size_t) (rows * n) * sizeof(float));
        if (!tile) {
            failed = 1;
            continue;
        }
        const int64_t g = item / blocks, r0 = (item % blocks) * rows, r1 = min_i64(m, r0 + rows);
        float *sum = partial + g * cells + r0 * n;
        for (int64_t s = samples * g / groups; s < samples * (g + 1) / groups; s++) {
            const float *as = oa.base + s * oa.batch_stride, *bs = ob.base + s * ob.batch_stride;
            blas_sgemm(oa.trans, ob.trans, (int) (r1 - r0), (int) n, (int) t, 1.0f, oa.trans ? as + r0 : as + r0 * oa.ld,
                       (int) oa.ld, bs, (int) ob.ld, 0.0f, tile, (int) n);
            square_into(sum, tile, (r1 - r0) * n, s == samples * g / groups);
        }
    }
    if (failed) return LETHE_ERR_NOMEM;
    reduce_groups(acc, partial, groups, cells, scale);
    return LETHE_OK;
}

// ---- per-sample squared conv2d weight gradient ---------------------------------------------------------------

// Sample n's squared weight gradient, rows [r0, r1) of dW_n [K, CKK] = dy_n [K, P] @ col^T, added to sum
// (the group's partial at row r0); col is the sample's column matrix [CKK, P].
static void conv_rows(const conv_geom *g, const float *dy_n, const float *col, float *sum, float *tile, int64_t r0,
                      int64_t r1, int first) {
    const int64_t p = g->oh * g->ow, ckk = g->c * g->kh * g->kw;
    blas_sgemm(0, 1, (int) (r1 - r0), (int) ckk, (int) p, 1.0f, dy_n + r0 * p, (int) p, col, (int) p, 0.0f, tile,
               (int) ckk);
    square_into(sum, tile, (r1 - r0) * ckk, first);
}

// geom as lethe_conv2d: acc [K, C, kh, kw] (contiguous) += scale Σ_n (dW_n)², dW_n the weight gradient of
// sample n alone, from dy [N, K, OH, OW] and x [N, C, H, W]: per sample im2col (conv.c's), then per row block
// of K an sgemm and the squaring. With at least one group per thread, groups run in parallel (each thread
// building its own columns); otherwise the samples run in turn, each column matrix built once and its row
// blocks spread over the threads. Both orders give the same bits (same groups, same row blocks).
LETHE_EXPORT int lethe_per_sample_squared_conv_weight(const int64_t *geom, const float *dy, const float *x, float *acc,
                                                      double scale) {
    const conv_geom g = conv_geometry(geom);
    if (g.n <= 0) return LETHE_OK;
    const int64_t p = g.oh * g.ow, ckk = g.c * g.kh * g.kw, cells = g.k * ckk;
    const int64_t x_size = g.c * g.h * g.w, dy_size = g.k * p;
    const int64_t groups = groups_for(g.n, cells), rows = rows_per_block(g.k, ckk), blocks = (g.k + rows - 1) / rows;
    const size_t col_bytes = (size_t) (ckk * p) * sizeof(float), pad_bytes = (size_t) conv_im2col_scratch(&g) * sizeof(float);
    const size_t tile_bytes = (size_t) (rows * ckk) * sizeof(float);
    // partial: [groups, K, CKK]
    float *partial = thread_workspace(WS_PER_SAMPLE_PARTIAL, (size_t) (groups * cells) * sizeof(float));
    if (!partial) return LETHE_ERR_NOMEM;
    const int threads = omp_get_max_threads();
    const int parallel = g.n * cells * p >= PER_SAMPLE_GRAIN;
    int failed = 0;
    if (!parallel || groups >= threads) {
#pragma omp parallel for schedule(dynamic, 1) if (parallel && groups > 1)
        for (int64_t grp = 0; grp < groups; grp++) {
            float *col = thread_workspace(WS_COL, col_bytes), *pad = thread_workspace(WS_PLANE, pad_bytes);
            float *tile = thread_workspace(WS_PER_SAMPLE_PRODUCT, tile_bytes);
            if (!col || !pad || !tile) {
                failed = 1;
                continue;
            }
            const int64_t first = g.n * grp / groups;
            for (int64_t s = first; s < g.n * (grp + 1) / groups; s++) {
                const float *cols = conv_sample_columns(&g, x + s * x_size, col, pad);
                for (int64_t r0 = 0; r0 < g.k; r0 += rows)
                    conv_rows(&g, dy + s * dy_size, cols, partial + grp * cells + r0 * ckk, tile, r0,
                              min_i64(g.k, r0 + rows), s == first);
            }
        }
    } else {
        float *col = thread_workspace(WS_COL, col_bytes), *pad = thread_workspace(WS_PLANE, pad_bytes);
        if (!col || !pad) return LETHE_ERR_NOMEM;
        for (int64_t grp = 0; grp < groups && !failed; grp++) {
            const int64_t first = g.n * grp / groups;
            for (int64_t s = first; s < g.n * (grp + 1) / groups && !failed; s++) {
                const float *cols = conv_sample_columns(&g, x + s * x_size, col, pad);
#pragma omp parallel for schedule(dynamic, 1) if (blocks > 1)
                for (int64_t blk = 0; blk < blocks; blk++) {
                    float *tile = thread_workspace(WS_PER_SAMPLE_PRODUCT, tile_bytes);
                    if (!tile) {
                        failed = 1;
                        continue;
                    }
                    const int64_t r0 = blk * rows;
                    conv_rows(&g, dy + s * dy_size, cols, partial + grp * cells + r0 * ckk, tile, r0,
                              min_i64(g.k, r0 + rows), s == first);
                }
            }
        }
    }
    if (failed) return LETHE_ERR_NOMEM;
    reduce_groups(acc, partial, groups, cells, scale);
    return LETHE_OK;
}
