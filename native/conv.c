// conv.c — 2-D convolution (NCHW input, KCRS weight) forward and its two gradients, as im2col/col2im plus
// sgemm, one sample at a time so that a sample's column matrix stays in the core's L2 cache:
//   forward        out_n [K, P]   = w [K, CKK] @ col_n [CKK, P]            (+ bias)
//   input grad     dcol [CKK, P]  = w^T @ dy_n [K, P];  dx_n = col2im(dcol)
//   weight grad    dw [K, CKK]   += dy_n @ col_n^T                         (per-thread partial sums)
// with P = OH*OW and CKK = C*kh*kw. A 1x1 stride-1 unpadded convolution uses x_n [C, P] as its column
// matrix directly. Batches of at least one sample per thread run samples in parallel (single-threaded
// sgemm each); smaller batches run samples in turn with each step parallelised.
#include "common.h"

#include <omp.h>
#include <string.h>

typedef struct {
    int64_t n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
} conv_geom;

// geom = { N, C, H, W, K, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW } (validated in Java).
static conv_geom geometry(const int64_t *geom) {
    conv_geom g = {geom[0], geom[1], geom[2], geom[3], geom[4], geom[5], geom[6], geom[7], geom[8], geom[9],
                   geom[10], geom[11], geom[12], 0, 0};
    g.oh = (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1;
    g.ow = (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1;
    return g;
}

static int is_pointwise(const conv_geom *g) {
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0;
}

static int samples_in_parallel(const conv_geom *g) { return g->n >= omp_get_max_threads() && g->n > 1; }

// Output columns [lo, hi) whose input column ox * stride + offset lies in [0, size).
static void valid_columns(int64_t offset, int64_t stride, int64_t size, int64_t out_size, int64_t *lo, int64_t *hi) {
    int64_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    int64_t last = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
    *hi = min_i64(last, out_size);
    *lo = min_i64(first, *hi);
}

// col [CKK, P] rows of channels [c0, c1) from one sample x [C, H, W]; padding reads as 0.
static void im2col(const conv_geom *g, const float *x, float *col, int64_t c0, int64_t c1) {
    const int64_t ow = g->ow, p = g->oh * g->ow;
    for (int64_t c = c0; c < c1; c++)
        for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++) {
                float *row = col + ((c * g->kh + i) * g->kw + j) * p;
                const float *plane = x + c * g->h * g->w;
                int64_t off = j * g->dw - g->pw, lo, hi;
                valid_columns(off, g->sw, g->w, ow, &lo, &hi);
                for (int64_t oy = 0; oy < g->oh; oy++) {
                    float *restrict d = row + oy * ow;
                    int64_t iy = oy * g->sh - g->ph + i * g->dh;
                    if (iy < 0 || iy >= g->h) {
                        memset(d, 0, (size_t) ow * sizeof(float));
                        continue;
                    }
                    const float *restrict s = plane + iy * g->w;
                    for (int64_t ox = 0; ox < lo; ox++) d[ox] = 0;
                    if (g->sw == 1) for (int64_t ox = lo; ox < hi; ox++) d[ox] = s[ox + off];
                    else for (int64_t ox = lo; ox < hi; ox++) d[ox] = s[ox * g->sw + off];
                    for (int64_t ox = hi; ox < ow; ox++) d[ox] = 0;
                }
            }
}

// dx [C, H, W] planes of channels [c0, c1) = sum of the col [CKK, P] entries that read each position.
static void col2im(const conv_geom *g, const float *col, float *dx, int64_t c0, int64_t c1) {
    const int64_t ow = g->ow, p = g->oh * g->ow;
    memset(dx + c0 * g->h * g->w, 0, (size_t) ((c1 - c0) * g->h * g->w) * sizeof(float));
    for (int64_t c = c0; c < c1; c++)
        for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++) {
                const float *row = col + ((c * g->kh + i) * g->kw + j) * p;
                float *plane = dx + c * g->h * g->w;
                int64_t off = j * g->dw - g->pw, lo, hi;
                valid_columns(off, g->sw, g->w, ow, &lo, &hi);
                for (int64_t oy = 0; oy < g->oh; oy++) {
                    int64_t iy = oy * g->sh - g->ph + i * g->dh;
                    if (iy < 0 || iy >= g->h) continue;
                    const float *restrict s = row + oy * ow;
                    float *restrict d = plane + iy * g->w;
                    if (g->sw == 1) for (int64_t ox = lo; ox < hi; ox++) d[ox + off] += s[ox];
                    else for (int64_t ox = lo; ox < hi; ox++) d[ox * g->sw + off] += s[ox];
                }
            }
}

static void im2col_parallel(const conv_geom *g, const float *x, float *col) {
#pragma omp parallel for schedule(static) if (g->c * g->kh * g->kw * g->oh * g->ow >= GRAIN_MEMORY && g->c > 1)
    for (int64_t c = 0; c < g->c; c++) im2col(g, x, col, c, c + 1);
}

static void col2im_parallel(const conv_geom *g, const float *col, float *dx) {
#pragma omp parallel for schedule(static) if (g->c * g->kh * g->kw * g->oh * g->ow >= GRAIN_MEMORY && g->c > 1)
    for (int64_t c = 0; c < g->c; c++) col2im(g, col, dx, c, c + 1);
}

// out_n [K, P] rows start at bias[k] (or 0): the sgemm then accumulates onto them.
static void bias_rows(float *out, const float *bias, int64_t k, int64_t p) {
    for (int64_t r = 0; r < k; r++)
        for (int64_t q = 0; q < p; q++) out[r * p + q] = bias[r];
}

// out [N, K, OH, OW] = conv2d(x [N, C, H, W], w [K, C, kh, kw]) + bias [K] (bias may be NULL).
LETHE_EXPORT int lethe_conv2d(const int64_t *geom, const float *x, const float *w, const float *bias, float *out) {
    const conv_geom g = geometry(geom);
    const int64_t p = g.oh * g.ow, ckk = g.c * g.kh * g.kw, x_size = g.c * g.h * g.w, out_size = g.k * p;
    const int pointwise = is_pointwise(&g);
    const float beta = bias ? 1.0f : 0.0f;
    int failed = 0;
    if (samples_in_parallel(&g)) {
#pragma omp parallel
        {
            float *col = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
            if (!pointwise && !col) failed = 1;
#pragma omp for schedule(static)
            for (int64_t n = 0; n < g.n; n++) {
                if (!pointwise && !col) continue;
                const float *src = x + n * x_size;
                if (!pointwise) {
                    im2col(&g, src, col, 0, g.c);
                    src = col;
                }
                if (bias) bias_rows(out + n * out_size, bias, g.k, p);
                sgemm_serial(0, 0, g.k, p, ckk, 1.0f, w, ckk, src, p, beta, out + n * out_size, p);
            }
        }
        return failed ? LETHE_ERR_NOMEM : LETHE_OK;
    }
    float *col = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
    if (!pointwise && !col) return LETHE_ERR_NOMEM;
    for (int64_t n = 0; n < g.n; n++) {
        const float *src = x + n * x_size;
        if (!pointwise) {
            im2col_parallel(&g, src, col);
            src = col;
        }
        if (bias) bias_rows(out + n * out_size, bias, g.k, p);
        sgemm_parallel(0, 0, g.k, p, ckk, 1.0f, w, ckk, src, p, beta, out + n * out_size, p);
    }
    return LETHE_OK;
}

// dx [N, C, H, W] = gradient of conv2d with respect to its input, from dy [N, K, OH, OW] and w.
LETHE_EXPORT int lethe_conv2d_backward_input(const int64_t *geom, const float *dy, const float *w, float *dx) {
    const conv_geom g = geometry(geom);
    const int64_t p = g.oh * g.ow, ckk = g.c * g.kh * g.kw, x_size = g.c * g.h * g.w, dy_size = g.k * p;
    const int pointwise = is_pointwise(&g);
    int failed = 0;
    if (samples_in_parallel(&g)) {
#pragma omp parallel
        {
            float *dcol = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
            if (!pointwise && !dcol) failed = 1;
#pragma omp for schedule(static)
            for (int64_t n = 0; n < g.n; n++) {
                if (pointwise) {
                    sgemm_serial(1, 0, g.c, p, g.k, 1.0f, w, g.c, dy + n * dy_size, p, 0.0f, dx + n * x_size, p);
                } else if (dcol) {
                    sgemm_serial(1, 0, ckk, p, g.k, 1.0f, w, ckk, dy + n * dy_size, p, 0.0f, dcol, p);
                    col2im(&g, dcol, dx + n * x_size, 0, g.c);
                }
            }
        }
        return failed ? LETHE_ERR_NOMEM : LETHE_OK;
    }
    float *dcol = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
    if (!pointwise && !dcol) return LETHE_ERR_NOMEM;
    for (int64_t n = 0; n < g.n; n++) {
        if (pointwise) {
            sgemm_parallel(1, 0, g.c, p, g.k, 1.0f, w, g.c, dy + n * dy_size, p, 0.0f, dx + n * x_size, p);
        } else {
            sgemm_parallel(1, 0, ckk, p, g.k, 1.0f, w, ckk, dy + n * dy_size, p, 0.0f, dcol, p);
            col2im_parallel(&g, dcol, dx + n * x_size);
        }
    }
    return LETHE_OK;
}

// dw [K, C, kh, kw] = gradient of conv2d with respect to its weight, from dy [N, K, OH, OW] and x.
LETHE_EXPORT int lethe_conv2d_backward_weight(const int64_t *geom, const float *dy, const float *x, float *dw) {
    const conv_geom g = geometry(geom);
    const int64_t p = g.oh * g.ow, ckk = g.c * g.kh * g.kw, x_size = g.c * g.h * g.w, dy_size = g.k * p;
    const int64_t dw_size = g.k * ckk;
    const int pointwise = is_pointwise(&g);
    if (g.n == 0) {
        memset(dw, 0, (size_t) dw_size * sizeof(float));
        return LETHE_OK;
    }
    if (!samples_in_parallel(&g)) {
        float *col = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
        if (!pointwise && !col) return LETHE_ERR_NOMEM;
        for (int64_t n = 0; n < g.n; n++) {
            const float *src = x + n * x_size;
            if (!pointwise) {
                im2col_parallel(&g, src, col);
                src = col;
            }
            sgemm_parallel(0, 1, g.k, ckk, p, 1.0f, dy + n * dy_size, p, src, p, n == 0 ? 0.0f : 1.0f, dw, ckk);
        }
        return LETHE_OK;
    }
    // partial: [threads, K, CKK], one weight-gradient sum per thread, added together at the end
    const int threads = omp_get_max_threads();
    float *partial = thread_workspace(1, (size_t) (threads * dw_size) * sizeof(float));
    if (!partial) return LETHE_ERR_NOMEM;
    int failed = 0, used = 1;
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num();
#pragma omp single
        used = omp_get_num_threads();
        float *col = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
        if (!pointwise && !col) failed = 1;
        float *mine = partial + t * dw_size;
        memset(mine, 0, (size_t) dw_size * sizeof(float));
#pragma omp for schedule(static)
        for (int64_t n = 0; n < g.n; n++) {
            if (!pointwise && !col) continue;
            const float *src = x + n * x_size;
            if (!pointwise) {
                im2col(&g, src, col, 0, g.c);
                src = col;
            }
            sgemm_serial(0, 1, g.k, ckk, p, 1.0f, dy + n * dy_size, p, src, p, 1.0f, mine, ckk);
        }
    }
    if (failed) return LETHE_ERR_NOMEM;
#pragma omp parallel for schedule(static) if (dw_size * used >= GRAIN_MEMORY)
    for (int64_t i = 0; i < dw_size; i++) {
        float s = 0;
        for (int t = 0; t < used; t++) s += partial[t * dw_size + i];
        dw[i] = s;
    }
    return LETHE_OK;
}
