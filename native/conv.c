// conv.c — 2-D convolution (NCHW input, KCRS weight) forward and its two gradients, as im2col/col2im plus
// sgemm, one sample at a time so that a sample's column matrix stays in the core's L2 cache:
//   forward        out_n [K, P]     = w [K, CKK] @ col_n [CKK, P]           (+ bias)
//   input grad     stride 1: a forward convolution of dy with the flipped, channel-swapped kernel;
//                  otherwise dcol [CKK, P] = w^T @ dy_n [K, P], dx_n = col2im(dcol)
//   weight grad    dw^T [CKK, K]   += col_n @ dy_n^T                        (per-thread partial sums)
// with P = OH*OW and CKK = C*kh*kw. A 1x1 stride-1 unpadded convolution uses x_n [C, P] as its column
// matrix directly; a stride-1 convolution as wide as its input ("same" padding) builds each column row with
// one contiguous copy. Batches of at least one sample per thread run samples in parallel (single-threaded
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

// One col row (channel c, kernel tap i, j) when stride is 1 and OW == W ("same" width): output row oy reads
// input row oy + i*dh - ph shifted by j*dw - pw columns, so the valid rows are one contiguous run of the
// input plane; the columns that wrapped around a row edge are zeroed afterwards.
static void im2col_row_same_width(const conv_geom *g, const float *plane, float *row, int64_t i, int64_t j) {
    const int64_t w = g->w, row_shift = i * g->dh - g->ph, shift = j * g->dw - g->pw;
    const int64_t oy_lo = max_i64(0, -row_shift), oy_hi = min_i64(g->oh, g->h - row_shift);
    if (oy_lo >= oy_hi || shift >= w || -shift >= w) {
        memset(row, 0, (size_t) (g->oh * w) * sizeof(float));
        return;
    }
    memset(row, 0, (size_t) (oy_lo * w) * sizeof(float));
    memset(row + oy_hi * w, 0, (size_t) ((g->oh - oy_hi) * w) * sizeof(float));
    // the run, clipped to the plane (the clipped ends are wrapped columns, zeroed below)
    const int64_t src = (oy_lo + row_shift) * w + shift, len = (oy_hi - oy_lo) * w;
    const int64_t skip = max_i64(0, -src), trim = max_i64(0, src + len - g->h * w);
    memcpy(row + oy_lo * w + skip, plane + src + skip, (size_t) (len - skip - trim) * sizeof(float));
    for (int64_t oy = oy_lo; oy < oy_hi; oy++) {
        float *d = row + oy * w;
        if (shift < 0) for (int64_t ox = 0; ox < -shift; ox++) d[ox] = 0;
        else for (int64_t ox = w - shift; ox < w; ox++) d[ox] = 0;
    }
}

// One col row in general: output row by output row, with the valid column range computed once.
static void im2col_row(const conv_geom *g, const float *plane, float *row, int64_t i, int64_t j) {
    const int64_t ow = g->ow, off = j * g->dw - g->pw;
    int64_t lo, hi;
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

// col [CKK, P] rows of channels [c0, c1) from one sample x [C, H, W]; padding reads as 0.
static void im2col(const conv_geom *g, const float *x, float *col, int64_t c0, int64_t c1) {
    const int64_t p = g->oh * g->ow;
    const int same_width = g->sh == 1 && g->sw == 1 && g->ow == g->w;
    for (int64_t c = c0; c < c1; c++)
        for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++) {
                float *row = col + ((c * g->kh + i) * g->kw + j) * p;
                const float *plane = x + c * g->h * g->w;
                if (same_width) im2col_row_same_width(g, plane, row, i, j);
                else im2col_row(g, plane, row, i, j);
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
#pragma omp parallel for schedule(dynamic, 1) if (g->c * g->kh * g->kw * g->oh * g->ow >= GRAIN_MEMORY && g->c > 1)
    for (int64_t c = 0; c < g->c; c++) im2col(g, x, col, c, c + 1);
}

static void col2im_parallel(const conv_geom *g, const float *col, float *dx) {
#pragma omp parallel for schedule(dynamic, 1) if (g->c * g->kh * g->kw * g->oh * g->ow >= GRAIN_MEMORY && g->c > 1)
    for (int64_t c = 0; c < g->c; c++) col2im(g, col, dx, c, c + 1);
}

// out_n [K, P] rows start at bias[k] (or 0): the sgemm then accumulates onto them.
static void bias_rows(float *out, const float *bias, int64_t k, int64_t p) {
    for (int64_t r = 0; r < k; r++)
        for (int64_t q = 0; q < p; q++) out[r * p + q] = bias[r];
}

// out [N, K, OH, OW] = conv(x, w) + bias (bias may be NULL).
static int conv_forward(const conv_geom *g, const float *x, const float *w, const float *bias, float *out) {
    const int64_t p = g->oh * g->ow, ckk = g->c * g->kh * g->kw, x_size = g->c * g->h * g->w, out_size = g->k * p;
    const int pointwise = is_pointwise(g);
    const float beta = bias ? 1.0f : 0.0f;
    if (!samples_in_parallel(g)) {
        float *col = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
        if (!pointwise && !col) return LETHE_ERR_NOMEM;
        for (int64_t n = 0; n < g->n; n++) {
            const float *src = x + n * x_size;
            if (!pointwise) {
                im2col_parallel(g, src, col);
                src = col;
            }
            if (bias) bias_rows(out + n * out_size, bias, g->k, p);
            sgemm_parallel(0, 0, g->k, p, ckk, 1.0f, w, ckk, src, p, beta, out + n * out_size, p);
        }
        return LETHE_OK;
    }
    int failed = 0;
#pragma omp parallel
    {
        float *col = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
        if (!pointwise && !col) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t n = 0; n < g->n; n++) {
            if (!pointwise && !col) continue;
            const float *src = x + n * x_size;
            if (!pointwise) {
                im2col(g, src, col, 0, g->c);
                src = col;
            }
            if (bias) bias_rows(out + n * out_size, bias, g->k, p);
            sgemm_serial(0, 0, g->k, p, ckk, 1.0f, w, ckk, src, p, beta, out + n * out_size, p);
        }
    }
    return failed ? LETHE_ERR_NOMEM : LETHE_OK;
}

// out [N, K, OH, OW] = conv2d(x [N, C, H, W], w [K, C, kh, kw]) + bias [K] (bias may be NULL).
LETHE_EXPORT int lethe_conv2d(const int64_t *geom, const float *x, const float *w, const float *bias, float *out) {
    const conv_geom g = geometry(geom);
    return conv_forward(&g, x, w, bias, out);
}

// Whether the input gradient is itself a stride-1 convolution of dy (with the kernel flipped and its two
// channel axes swapped, padding d*(k-1) - pad): stride 1 and padding at most d*(k-1) on both axes.
static int input_grad_is_convolution(const conv_geom *g) {
    return g->sh == 1 && g->sw == 1 && g->ph <= g->dh * (g->kh - 1) && g->pw <= g->dw * (g->kw - 1);
}

// dx = conv(dy, w') with w' [C, K, kh, kw] = w[k, c, kh-1-i, kw-1-j]: im2col + GEMM, no col2im.
static int input_grad_by_convolution(const conv_geom *g, const float *dy, const float *w, float *dx) {
    const int64_t taps = g->kh * g->kw;
    // flipped: [C, K, kh, kw]
    float *flipped = thread_workspace(2, (size_t) (g->c * g->k * taps) * sizeof(float));
    if (!flipped) return LETHE_ERR_NOMEM;
    for (int64_t k = 0; k < g->k; k++)
        for (int64_t c = 0; c < g->c; c++)
            for (int64_t t = 0; t < taps; t++) flipped[(c * g->k + k) * taps + (taps - 1 - t)] = w[(k * g->c + c) * taps + t];
    const conv_geom t = {g->n, g->k, g->oh, g->ow, g->c, g->kh, g->kw, 1, 1, g->dh * (g->kh - 1) - g->ph,
                         g->dw * (g->kw - 1) - g->pw, g->dh, g->dw, g->h, g->w};
    return conv_forward(&t, dy, flipped, NULL, dx);
}

// dx [N, C, H, W] = gradient of conv2d with respect to its input, from dy [N, K, OH, OW] and w.
LETHE_EXPORT int lethe_conv2d_backward_input(const int64_t *geom, const float *dy, const float *w, float *dx) {
    const conv_geom g = geometry(geom);
    const int64_t p = g.oh * g.ow, ckk = g.c * g.kh * g.kw, x_size = g.c * g.h * g.w, dy_size = g.k * p;
    const int pointwise = is_pointwise(&g);
    if (!pointwise && input_grad_is_convolution(&g)) return input_grad_by_convolution(&g, dy, w, dx);
    if (!samples_in_parallel(&g)) {
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
    int failed = 0;
#pragma omp parallel
    {
        float *dcol = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
        if (!pointwise && !dcol) failed = 1;
#pragma omp for schedule(dynamic, 1)
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

// dw [K, C, kh, kw] = gradient of conv2d with respect to its weight, from dy [N, K, OH, OW] and x. Summed
// transposed, dw^T [CKK, K] += col_n [CKK, P] @ dy_n^T (the faster orientation for few output channels), in
// one partial sum per thread; the partials are added and transposed at the end.
LETHE_EXPORT int lethe_conv2d_backward_weight(const int64_t *geom, const float *dy, const float *x, float *dw) {
    const conv_geom g = geometry(geom);
    const int64_t p = g.oh * g.ow, ckk = g.c * g.kh * g.kw, x_size = g.c * g.h * g.w, dy_size = g.k * p;
    const int64_t dw_size = g.k * ckk;
    const int pointwise = is_pointwise(&g);
    const int parallel = samples_in_parallel(&g);
    const int threads = parallel ? omp_get_max_threads() : 1;
    // partial: [threads, CKK, K]
    float *partial = thread_workspace(1, (size_t) (threads * dw_size) * sizeof(float));
    if (!partial) return LETHE_ERR_NOMEM;
    int failed = 0, used = 1;
    if (!parallel) {
        float *col = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
        if (!pointwise && !col) return LETHE_ERR_NOMEM;
        memset(partial, 0, (size_t) dw_size * sizeof(float));
        for (int64_t n = 0; n < g.n; n++) {
            const float *src = x + n * x_size;
            if (!pointwise) {
                im2col_parallel(&g, src, col);
                src = col;
            }
            sgemm_parallel(0, 1, ckk, g.k, p, 1.0f, src, p, dy + n * dy_size, p, 1.0f, partial, g.k);
        }
    } else {
#pragma omp parallel num_threads(threads)
        {
#pragma omp single
            used = omp_get_num_threads();
            float *col = pointwise ? NULL : thread_workspace(0, (size_t) (ckk * p) * sizeof(float));
            if (!pointwise && !col) failed = 1;
            float *mine = partial + omp_get_thread_num() * dw_size;
            memset(mine, 0, (size_t) dw_size * sizeof(float));
#pragma omp for schedule(dynamic, 1)
            for (int64_t n = 0; n < g.n; n++) {
                if (!pointwise && !col) continue;
                const float *src = x + n * x_size;
                if (!pointwise) {
                    im2col(&g, src, col, 0, g.c);
                    src = col;
                }
                sgemm_serial(0, 1, ckk, g.k, p, 1.0f, src, p, dy + n * dy_size, p, 1.0f, mine, g.k);
            }
        }
    }
    if (failed) return LETHE_ERR_NOMEM;
#pragma omp parallel for schedule(static) if (dw_size * used >= GRAIN_MEMORY)
    for (int64_t k = 0; k < g.k; k++)
        for (int64_t q = 0; q < ckk; q++) {
            float s = 0;
            for (int t = 0; t < used; t++) s += partial[t * dw_size + q * g.k + k];
            dw[k * ckk + q] = s;
        }
    return LETHE_OK;
}
