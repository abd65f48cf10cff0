// conv.c — 2-D convolution (NCHW input, KCRS weight) forward and its two gradients as im2col + sgemm, on a
// chunk of S samples at a time so that the chunk's column matrix stays in the core's L2 cache (stride-1 3x3
// convolutions of a batch go to winograd.c instead: forward and input gradient, and the weight gradient of
// planes of 14x14 and more):
//   forward        out [K, S*P]    = w [K, CKK] @ col [CKK, S*P]           (+ bias), scattered to NCHW
//   input grad     stride 1: a forward convolution of dy with the flipped, channel-swapped kernel;
//                  otherwise dcol [CKK, P] = w^T @ dy_n [K, P], dx_n = col2im(dcol)
//   weight grad    dw^T [CKK, K]  += col [CKK, S*P] @ dy_chunk^T           (partial sums per fixed group)
// with P = OH*OW and CKK = C*kh*kw. Large planes use S = 1 and write their output in place; small planes
// (7x7, 4x4) batch samples, so that OpenBLAS packs the weights once per chunk rather than once per sample
// and multiplies wider matrices. Column rows of wide stride-1 "same" convolutions are one contiguous copy
// per kernel tap; all others are read from a zero-padded copy of each input plane, so no inner loop checks
// bounds. A 1x1 stride-1 unpadded convolution needs no im2col at all. Batches with at
// least one sample per thread run chunks in parallel (single-threaded sgemm each); smaller batches run
// samples in turn with every step parallelised.
#include "common.h"
#include "conv.h"

#include <omp.h>
#include <string.h>

// Bytes of a chunk's column matrix: the L2 share it may take.
#define COL_BUDGET (512 * 1024)
// Columns (S*P) beyond which a wider chunk no longer speeds up the product.
#define TARGET_COLUMNS 256

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

// A 1x1 convolution with a stride and no padding (ResNet's downsampling shortcut): it reads every s-th pixel, so its
// column matrix is a plain gather of those pixels and its input gradient a scatter back to them (zeros between),
// with no padded planes or tap offsets.
static int is_strided_pointwise(const conv_geom *g) {
    return g->kh == 1 && g->kw == 1 && g->ph == 0 && g->pw == 0 && (g->sh > 1 || g->sw > 1);
}

static int64_t ckk_of(const conv_geom *g) { return g->c * g->kh * g->kw; }

static int chunks_in_parallel(const conv_geom *g) { return g->n >= omp_get_max_threads() && g->n > 1; }

// Samples per chunk: enough columns for an efficient product, within the cache budget.
static int64_t samples_per_chunk(const conv_geom *g) {
    const int64_t p = g->oh * g->ow, per_sample = ckk_of(g) * p * (int64_t) sizeof(float);
    int64_t s = (TARGET_COLUMNS + p - 1) / p;
    s = min_i64(s, max_i64(1, COL_BUDGET / per_sample));
    return max_i64(1, min_i64(s, g->n));
}

// ---- column matrices -------------------------------------------------------------------------------------

// The zero-padded plane [(H + 2 ph), (W + 2 pw)] of one input channel, or the plane itself without padding.
static const float *padded_plane(const conv_geom *g, const float *plane, float *pad) {
    if (g->ph == 0 && g->pw == 0) return plane;
    const int64_t pw = g->w + 2 * g->pw;
    memset(pad, 0, (size_t) (g->ph * pw) * sizeof(float));
    for (int64_t y = 0; y < g->h; y++) {
        float *row = pad + (y + g->ph) * pw;
        for (int64_t x = 0; x < g->pw; x++) row[x] = 0;
        memcpy(row + g->pw, plane + y * g->w, (size_t) g->w * sizeof(float));
        for (int64_t x = g->pw + g->w; x < pw; x++) row[x] = 0;
    }
    memset(pad + (g->ph + g->h) * pw, 0, (size_t) (g->ph * pw) * sizeof(float));
    return pad;
}

// Rows at least this wide are copied in one run per kernel tap when the convolution keeps the width.
#define FLAT_COPY_MIN_WIDTH 16

// Whether col rows are built by im2col_row_flat: stride 1, output as wide as the input, wide rows.
static int flat_copy_im2col(const conv_geom *g) {
    return g->sh == 1 && g->sw == 1 && g->ow == g->w && g->w >= FLAT_COPY_MIN_WIDTH;
}

// One col row (kernel tap i, j) of a flat_copy_im2col convolution: output row oy reads input row
// oy + i*dh - ph shifted by j*dw - pw columns, so the valid rows are one contiguous run of the input plane;
// the columns that wrapped around a row edge are zeroed afterwards.
static void im2col_row_flat(const conv_geom *g, const float *plane, float *row, int64_t i, int64_t j) {
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

// Floats of an im2col scratch buffer: the padded plane, then (as int32) the offsets of tap_offsets.
static int64_t im2col_scratch(const conv_geom *g) {
    return (g->h + 2 * g->ph) * (g->w + 2 * g->pw) + g->kh * g->kw * g->oh * g->ow;
}

// offsets [kh*kw, P]: where in the padded plane each kernel tap reads for each output position.
static void tap_offsets(const conv_geom *g, int32_t *offsets) {
    const int64_t pw = g->w + 2 * g->pw, p = g->oh * g->ow;
    for (int64_t i = 0; i < g->kh; i++)
        for (int64_t j = 0; j < g->kw; j++)
            for (int64_t oy = 0; oy < g->oh; oy++)
                for (int64_t ox = 0; ox < g->ow; ox++)
                    offsets[(i * g->kw + j) * p + oy * g->ow + ox] =
                            (int32_t) ((oy * g->sh + i * g->dh) * pw + ox * g->sw + j * g->dw);
}

// col rows of channels [c0, c1) for one sample x [C, H, W]: col[(c kh + i) kw + j][oy OW + ox] at row stride
// ld = x at (oy sh + i dh - ph, ox sw + j dw - pw), 0 in the padding. scratch: im2col_scratch floats. Rows
// not copied flat are gathered from the padded plane through per-tap offsets: one loop of P per tap, where
// row-by-row copies of short rows (7x7, 4x4 planes) cost more in loop overhead than in data.
static void im2col(const conv_geom *g, const float *x, float *col, int64_t ld, float *scratch, int64_t c0, int64_t c1) {
    const int64_t p = g->oh * g->ow, taps = g->kh * g->kw;
    const int flat = flat_copy_im2col(g);
    int32_t *offsets = (int32_t *) (scratch + (g->h + 2 * g->ph) * (g->w + 2 * g->pw));
    if (!flat) tap_offsets(g, offsets);
    for (int64_t c = c0; c < c1; c++) {
        if (flat) {
            for (int64_t i = 0; i < g->kh; i++)
                for (int64_t j = 0; j < g->kw; j++)
                    im2col_row_flat(g, x + c * g->h * g->w, col + ((c * g->kh + i) * g->kw + j) * ld, i, j);
            continue;
        }
        const float *src = padded_plane(g, x + c * g->h * g->w, scratch);
        for (int64_t t = 0; t < taps; t++) {
            float *restrict row = col + (c * taps + t) * ld;
            const int32_t *restrict at = offsets + t * p;
            for (int64_t q = 0; q < p; q++) row[q] = src[at[q]];
        }
    }
}

// dx planes of channels [c0, c1) for one sample = sum of the col [CKK, P] entries that read each position,
// accumulated in the padded plane pad and then cut out of it.
static void col2im(const conv_geom *g, const float *col, float *dx, float *pad, int64_t c0, int64_t c1) {
    const int64_t pw = g->w + 2 * g->pw, p = g->oh * g->ow;
    for (int64_t c = c0; c < c1; c++) {
        memset(pad, 0, (size_t) ((g->h + 2 * g->ph) * pw) * sizeof(float));
        for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++) {
                const float *row = col + ((c * g->kh + i) * g->kw + j) * p;
                for (int64_t oy = 0; oy < g->oh; oy++) {
                    float *restrict d = pad + (oy * g->sh + i * g->dh) * pw + j * g->dw;
                    const float *restrict s = row + oy * g->ow;
                    if (g->sw == 1) for (int64_t ox = 0; ox < g->ow; ox++) d[ox] += s[ox];
                    else for (int64_t ox = 0; ox < g->ow; ox++) d[ox * g->sw] += s[ox];
                }
            }
        float *plane = dx + c * g->h * g->w;
        for (int64_t y = 0; y < g->h; y++)
            memcpy(plane + y * g->w, pad + (y + g->ph) * pw + g->pw, (size_t) g->w * sizeof(float));
    }
}

// The column matrix [CKK, count*P] of samples [n0, n0 + count) (a view of x itself for one sample of a
// pointwise convolution).
static const float *chunk_columns(const conv_geom *g, const float *x, int64_t n0, int64_t count, float *col,
                                  float *pad) {
    const int64_t p = g->oh * g->ow, x_size = g->c * g->h * g->w, ld = count * p;
    if (is_pointwise(g)) {
        if (count == 1) return x + n0 * x_size;
        for (int64_t s = 0; s < count; s++)
            for (int64_t c = 0; c < g->c; c++)
                memcpy(col + c * ld + s * p, x + (n0 + s) * x_size + c * p, (size_t) p * sizeof(float));
        return col;
    }
    if (is_strided_pointwise(g)) {
        for (int64_t s = 0; s < count; s++)
            for (int64_t c = 0; c < g->c; c++) {
                const float *plane = x + (n0 + s) * x_size + c * g->h * g->w;
                float *restrict to = col + c * ld + s * p;
                for (int64_t oy = 0; oy < g->oh; oy++) {
                    const float *restrict from = plane + oy * g->sh * g->w;
                    for (int64_t ox = 0; ox < g->ow; ox++) to[oy * g->ow + ox] = from[ox * g->sw];
                }
            }
        return col;
    }
    for (int64_t s = 0; s < count; s++) im2col(g, x + (n0 + s) * x_size, col + s * p, ld, pad, 0, g->c);
    return col;
}

// Workspaces of the calling thread for one chunk; NULL when out of memory.
typedef struct { float *col, *pad, *chunk; } chunk_space;

static int chunk_workspaces(const conv_geom *g, int64_t samples, int64_t chunk_floats, chunk_space *ws) {
    const int64_t p = g->oh * g->ow;
    ws->col = thread_workspace(WS_COL, (size_t) (ckk_of(g) * samples * p) * sizeof(float));
    ws->pad = thread_workspace(WS_PLANE, (size_t) im2col_scratch(g) * sizeof(float));
    ws->chunk = chunk_floats ? thread_workspace(WS_CHUNK, (size_t) chunk_floats * sizeof(float)) : NULL;
    return ws->col && ws->pad && (ws->chunk || !chunk_floats);
}

// The column matrix [CKK, P] of one sample built by all threads (channels split among them), for batches
// too small to give every thread a sample. Returns x_n itself for a pointwise convolution.
static const float *sample_columns_parallel(const conv_geom *g, const float *x_n, float *col, int *failed) {
    if (is_pointwise(g)) return x_n;
    const size_t scratch_bytes = (size_t) im2col_scratch(g) * sizeof(float);
#pragma omp parallel for schedule(dynamic, 1) if (ckk_of(g) * g->oh * g->ow >= GRAIN_MEMORY && g->c > 1)
    for (int64_t c = 0; c < g->c; c++) {
        float *pad = thread_workspace(WS_PLANE, scratch_bytes);
        if (pad) im2col(g, x_n, col, g->oh * g->ow, pad, c, c + 1);
        else *failed = 1;
    }
    return col;
}

// ---- exported helpers (conv.h) --------------------------------------------------------------------------------

conv_geom conv_geometry(const int64_t *geom) { return geometry(geom); }

int64_t conv_im2col_scratch(const conv_geom *g) { return im2col_scratch(g); }

const float *conv_sample_columns(const conv_geom *g, const float *x_n, float *col, float *scratch) {
    if (is_pointwise(g)) return x_n;
    im2col(g, x_n, col, g->oh * g->ow, scratch, 0, g->c);
    return col;
}

// ---- forward -------------------------------------------------------------------------------------------------

// out_n [K, P] += bias[k] on every row k.
static void add_bias(float *out, const float *bias, int64_t k, int64_t p) {
    for (int64_t r = 0; r < k; r++)
        for (int64_t q = 0; q < p; q++) out[r * p + q] += bias[r];
}

// Samples [n0, n0 + count) of the forward pass on the calling thread.
static void forward_chunk(const conv_geom *g, const float *x, const float *w, const float *bias, float *out,
                          int64_t n0, int64_t count, const chunk_space *ws) {
    const int64_t p = g->oh * g->ow, ckk = ckk_of(g), ld = count * p;
    const float *col = chunk_columns(g, x, n0, count, ws->col, ws->pad);
    // product: [K, count*P], in place for one sample
    float *product = count == 1 ? out + n0 * g->k * p : ws->chunk;
    sgemm_serial(0, 0, g->k, ld, ckk, 1.0f, w, ckk, col, ld, 0.0f, product, ld);
    if (count == 1) {
        if (bias) add_bias(product, bias, g->k, p);
        return;
    }
    for (int64_t s = 0; s < count; s++)
        for (int64_t k = 0; k < g->k; k++) {
            const float *restrict from = product + k * ld + s * p;
            float *restrict to = out + ((n0 + s) * g->k + k) * p;
            const float b = bias ? bias[k] : 0.0f;
            for (int64_t q = 0; q < p; q++) to[q] = from[q] + b;
        }
}

// out [N, K, OH, OW] = conv(x, w) + bias (bias may be NULL).
static int conv_forward(const conv_geom *g, const float *x, const float *w, const float *bias, float *out) {
    int handled, status = conv_direct_forward(g, x, w, bias, out, &handled);
    if (handled) return status;
    if (winograd_applies(g)) return winograd_forward(g, x, w, bias, out);
    const int64_t p = g->oh * g->ow, ckk = ckk_of(g), x_size = g->c * g->h * g->w, out_size = g->k * p;
    int failed = 0;
    if (!chunks_in_parallel(g)) {
        float *col = thread_workspace(WS_COL, (size_t) (ckk * p) * sizeof(float));
        if (!col) return LETHE_ERR_NOMEM;
        for (int64_t n = 0; n < g->n && !failed; n++) {
            const float *cols = sample_columns_parallel(g, x + n * x_size, col, &failed);
            sgemm_parallel(0, 0, g->k, p, ckk, 1.0f, w, ckk, cols, p, 0.0f, out + n * out_size, p);
            if (bias) add_bias(out + n * out_size, bias, g->k, p);
        }
        return failed ? LETHE_ERR_NOMEM : LETHE_OK;
    }
    const int64_t samples = samples_per_chunk(g), chunks = (g->n + samples - 1) / samples;
#pragma omp parallel
    {
        chunk_space ws;
        int ok = chunk_workspaces(g, samples, samples > 1 ? g->k * samples * p : 0, &ws);
        if (!ok) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t chunk = 0; chunk < chunks; chunk++)
            if (ok) forward_chunk(g, x, w, bias, out, chunk * samples, min_i64(samples, g->n - chunk * samples), &ws);
    }
    return failed ? LETHE_ERR_NOMEM : LETHE_OK;
}

// out [N, K, OH, OW] = conv2d(x [N, C, H, W], w [K, C, kh, kw]) + bias [K] (bias may be NULL).
LETHE_EXPORT int lethe_conv2d(const int64_t *geom, const float *x, const float *w, const float *bias, float *out) {
    const conv_geom g = geometry(geom);
    return conv_forward(&g, x, w, bias, out);
}

// ---- input gradient ------------------------------------------------------------------------------------------

// Whether the input gradient is itself a stride-1 convolution of dy (with the kernel flipped and its two
// channel axes swapped, padding d*(k-1) - pad): stride 1 and padding at most d*(k-1) on both axes.
static int input_grad_is_convolution(const conv_geom *g) {
    return g->sh == 1 && g->sw == 1 && g->ph <= g->dh * (g->kh - 1) && g->pw <= g->dw * (g->kw - 1);
}

// dx = conv(dy, w') with w' [C, K, kh, kw] = w[k, c, kh-1-i, kw-1-j]: im2col + GEMM, no col2im.
static int input_grad_by_convolution(const conv_geom *g, const float *dy, const float *w, float *dx) {
    const int64_t taps = g->kh * g->kw;
    // flipped: [C, K, kh, kw]
    float *flipped = thread_workspace(WS_FLIPPED, (size_t) (g->c * g->k * taps) * sizeof(float));
    if (!flipped) return LETHE_ERR_NOMEM;
    for (int64_t k = 0; k < g->k; k++)
        for (int64_t c = 0; c < g->c; c++)
            for (int64_t t = 0; t < taps; t++) flipped[(c * g->k + k) * taps + (taps - 1 - t)] = w[(k * g->c + c) * taps + t];
    const conv_geom t = {g->n, g->k, g->oh, g->ow, g->c, g->kh, g->kw, 1, 1, g->dh * (g->kh - 1) - g->ph,
                         g->dw * (g->kw - 1) - g->pw, g->dh, g->dw, g->h, g->w};
    return conv_forward(&t, dy, flipped, NULL, dx);
}

// dx [N, C, H, W] = gradient of conv2d with respect to its input, from dy [N, K, OH, OW] and w: a pointwise
// product dx_n = w^T @ dy_n, a convolution for stride 1, else col2im(w^T @ dy_n).
// The input gradient of a strided 1x1 convolution (is_strided_pointwise), chunks of samples per thread: dy of the
// chunk gathered to [K, count*P], one product w^T [C, K] @ that = [C, count*P], scattered to every s-th pixel of dx
// with zeros between (a chunk's product is as wide as the forward's, where one sample's P columns are few).
static int strided_pointwise_input_grad(const conv_geom *g, const float *dy, const float *w, float *dx) {
    const int64_t p = g->oh * g->ow, plane = g->h * g->w, x_size = g->c * plane;
    const int64_t samples = samples_per_chunk(g), chunks = (g->n + samples - 1) / samples;
    int failed = 0;
#pragma omp parallel
    {
        // col [C, samples*P] (the product), chunk [K, samples*P] (dy of the chunk)
        float *col = thread_workspace(WS_COL, (size_t) (g->c * samples * p) * sizeof(float));
        float *dyc = thread_workspace(WS_CHUNK, (size_t) (g->k * samples * p) * sizeof(float));
        if (!col || !dyc) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t chunk = 0; chunk < chunks; chunk++) {
            if (!col || !dyc) continue;
            const int64_t n0 = chunk * samples, count = min_i64(samples, g->n - n0), ld = count * p;
            for (int64_t k = 0; k < g->k; k++)
                for (int64_t s = 0; s < count; s++)
                    memcpy(dyc + k * ld + s * p, dy + ((n0 + s) * g->k + k) * p, (size_t) p * sizeof(float));
            sgemm_serial(1, 0, g->c, ld, g->k, 1.0f, w, g->c, dyc, ld, 0.0f, col, ld);
            for (int64_t s = 0; s < count; s++)
                for (int64_t c = 0; c < g->c; c++) {
                    float *restrict to = dx + (n0 + s) * x_size + c * plane;
                    const float *restrict from = col + c * ld + s * p;
                    memset(to, 0, (size_t) plane * sizeof(float));
                    for (int64_t oy = 0; oy < g->oh; oy++)
                        for (int64_t ox = 0; ox < g->ow; ox++) to[oy * g->sh * g->w + ox * g->sw] = from[oy * g->ow + ox];
                }
        }
    }
    return failed ? LETHE_ERR_NOMEM : LETHE_OK;
}

LETHE_EXPORT int lethe_conv2d_backward_input(const int64_t *geom, const float *dy, const float *w, float *dx) {
    const conv_geom g = geometry(geom);
    const int64_t p = g.oh * g.ow, ckk = ckk_of(&g), x_size = g.c * g.h * g.w, dy_size = g.k * p;
    int handled, status = conv_direct_backward_input(&g, dy, w, dx, &handled);
    if (handled) return status;
    const int pointwise = is_pointwise(&g);
    if (!pointwise && input_grad_is_convolution(&g)) return input_grad_by_convolution(&g, dy, w, dx);
    if (is_strided_pointwise(&g) && chunks_in_parallel(&g)) return strided_pointwise_input_grad(&g, dy, w, dx);
    int failed = 0;
    if (!chunks_in_parallel(&g)) {
        float *dcol = thread_workspace(WS_COL, (size_t) (ckk * p) * sizeof(float));
        if (!dcol) return LETHE_ERR_NOMEM;
        const size_t pad_bytes = (size_t) ((g.h + 2 * g.ph) * (g.w + 2 * g.pw)) * sizeof(float);
        for (int64_t n = 0; n < g.n; n++) {
            if (pointwise) {
                sgemm_parallel(1, 0, g.c, p, g.k, 1.0f, w, g.c, dy + n * dy_size, p, 0.0f, dx + n * x_size, p);
                continue;
            }
            sgemm_parallel(1, 0, ckk, p, g.k, 1.0f, w, ckk, dy + n * dy_size, p, 0.0f, dcol, p);
#pragma omp parallel for schedule(dynamic, 1) if (ckk * p >= GRAIN_MEMORY && g.c > 1)
            for (int64_t c = 0; c < g.c; c++) {
                float *pad = thread_workspace(WS_PLANE, pad_bytes);
                if (pad) col2im(&g, dcol, dx + n * x_size, pad, c, c + 1);
                else failed = 1;
            }
        }
        return failed ? LETHE_ERR_NOMEM : LETHE_OK;
    }
#pragma omp parallel
    {
        chunk_space ws;
        int ok = chunk_workspaces(&g, 1, 0, &ws);
        if (!ok) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t n = 0; n < g.n; n++) {
            if (!ok) continue;
            if (pointwise) {
                sgemm_serial(1, 0, g.c, p, g.k, 1.0f, w, g.c, dy + n * dy_size, p, 0.0f, dx + n * x_size, p);
            } else {
                sgemm_serial(1, 0, ckk, p, g.k, 1.0f, w, ckk, dy + n * dy_size, p, 0.0f, ws.col, p);
                col2im(&g, ws.col, dx + n * x_size, ws.pad, 0, g.c);
            }
        }
    }
    return failed ? LETHE_ERR_NOMEM : LETHE_OK;
}

// ---- weight gradient -----------------------------------------------------------------------------------------

// partial [CKK, K] += col(samples [n0, n0 + count)) @ dy_chunk^T on the calling thread.
static void weight_grad_chunk(const conv_geom *g, const float *dy, const float *x, float *partial, int64_t n0,
                              int64_t count, const chunk_space *ws) {
    const int64_t p = g->oh * g->ow, ckk = ckk_of(g), ld = count * p;
    const float *col = chunk_columns(g, x, n0, count, ws->col, ws->pad);
    // dy of the chunk as [K, count*P]: the sample's own [K, P] block for one sample
    const float *dyc = dy + n0 * g->k * p;
    if (count > 1) {
        for (int64_t k = 0; k < g->k; k++)
            for (int64_t s = 0; s < count; s++)
                memcpy(ws->chunk + k * ld + s * p, dy + ((n0 + s) * g->k + k) * p, (size_t) p * sizeof(float));
        dyc = ws->chunk;
    }
    sgemm_serial(0, 1, ckk, g->k, ld, 1.0f, col, ld, dyc, ld, 1.0f, partial, g->k);
}

// dw [K, C, kh, kw] = gradient of conv2d with respect to its weight, from dy [N, K, OH, OW] and x. Summed
// transposed, dw^T [CKK, K] += col @ dy^T (the faster orientation for few output channels). The chunks are
// cut into G fixed groups of consecutive chunks, each summed into its own partial by whichever thread takes
// it (dynamically, so a thread slowed by another process holds nobody up); the partials are then added in
// group order and transposed. The result depends only on G, not on which thread ran what: the same inputs
// give the same bits run after run.
LETHE_EXPORT int lethe_conv2d_backward_weight(const int64_t *geom, const float *dy, const float *x, float *dw) {
    const conv_geom g = geometry(geom);
    int handled, status = conv_direct_backward_weight(&g, dy, x, dw, &handled);
    if (handled) return status;
    if (winograd_weight_grad_applies(&g)) return winograd_weight_grad(&g, dy, x, dw);
    const int64_t p = g.oh * g.ow, ckk = ckk_of(&g), dw_size = g.k * ckk;
    const int parallel = chunks_in_parallel(&g);
    const int64_t samples = parallel ? samples_per_chunk(&g) : 1, chunks = (g.n + samples - 1) / samples;
    const int64_t threads = omp_get_max_threads();
    const int64_t groups = !parallel ? 1
            : max_i64(1, min_i64(chunks, min_i64(4 * threads, max_i64(threads, PARTIAL_BUDGET / (dw_size * 4)))));
    // partial: [groups, CKK, K]
    float *partial = thread_workspace(WS_PARTIAL, (size_t) (groups * dw_size) * sizeof(float));
    if (!partial) return LETHE_ERR_NOMEM;
    int failed = 0;
    if (!parallel) {
        float *col = thread_workspace(WS_COL, (size_t) (ckk * p) * sizeof(float));
        if (!col) return LETHE_ERR_NOMEM;
        memset(partial, 0, (size_t) dw_size * sizeof(float));
        for (int64_t n = 0; n < g.n && !failed; n++) {
            const float *cols = sample_columns_parallel(&g, x + n * g.c * g.h * g.w, col, &failed);
            sgemm_parallel(0, 1, ckk, g.k, p, 1.0f, cols, p, dy + n * g.k * p, p, 1.0f, partial, g.k);
        }
    } else {
#pragma omp parallel
        {
            chunk_space ws;
            int ok = chunk_workspaces(&g, samples, samples > 1 ? g.k * samples * p : 0, &ws);
            if (!ok) failed = 1;
#pragma omp for schedule(dynamic, 1)
            for (int64_t group = 0; group < groups; group++) {
                float *sum = partial + group * dw_size;
                memset(sum, 0, (size_t) dw_size * sizeof(float));
                for (int64_t chunk = chunks * group / groups; ok && chunk < chunks * (group + 1) / groups; chunk++)
                    weight_grad_chunk(&g, dy, x, sum, chunk * samples, min_i64(samples, g.n - chunk * samples), &ws);
            }
        }
    }
    if (failed) return LETHE_ERR_NOMEM;
    // partial[0] += the other groups, in group order (contiguous, vectorised), then dw = partial[0]^T
    for (int64_t t = 1; t < groups; t++) {
        float *restrict into = partial;
        const float *restrict from = partial + t * dw_size;
#pragma omp parallel for simd schedule(static) if (dw_size >= GRAIN_MEMORY)
        for (int64_t i = 0; i < dw_size; i++) into[i] += from[i];
    }
#pragma omp parallel for schedule(static) if (dw_size >= GRAIN_MEMORY)
    for (int64_t k = 0; k < g.k; k++)
        for (int64_t q = 0; q < ckk; q++) dw[k * ckk + q] = partial[q * g.k + k];
    return LETHE_OK;
}
