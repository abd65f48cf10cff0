// pool.c — 2-D max pooling (with int64 argmax indices h*W + w within each plane), average pooling with
// PyTorch's window and divisor rules, and adaptive average pooling, forward and backward, over contiguous
// NCHW tensors. Planes (one (n, c) pair each) are independent and run in parallel.
#include "common.h"

#include <math.h>
#include <string.h>

typedef struct {
    int64_t planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow;
    int count_include_pad;
} pool_geom;

// geom = { N, C, H, W, kh, kw, strideH, strideW, padH, padW, OH, OW, countIncludePad }.
static pool_geom geometry(const int64_t *geom) {
    pool_geom g = {geom[0] * geom[1], geom[2], geom[3], geom[4], geom[5], geom[6], geom[7], geom[8], geom[9],
                   geom[10], geom[11], (int) geom[12]};
    return g;
}

// ---- max pooling -----------------------------------------------------------------------------------------

// out [N, C, OH, OW] = window maxima of x [N, C, H, W] (NaN wins); indices [N, C, OH, OW] = h*W + w of each.
LETHE_EXPORT int lethe_max_pool2d(const int64_t *geom, const float *x, float *out, int64_t *indices) {
    const pool_geom g = geometry(geom);
    const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
#pragma omp parallel for schedule(guided) if (g.planes * ohw * g.kh * g.kw >= GRAIN_MEMORY && g.planes > 1)
    for (int64_t p = 0; p < g.planes; p++) {
        const float *plane = x + p * hw;
        for (int64_t y = 0; y < g.oh; y++)
            for (int64_t z = 0; z < g.ow; z++) {
                float best = -INFINITY;
                int64_t at = -1;
                for (int64_t i = 0; i < g.kh; i++) {
                    int64_t ih = y * g.sh - g.ph + i;
                    if (ih < 0 || ih >= g.h) continue;
                    for (int64_t j = 0; j < g.kw; j++) {
                        int64_t iw = z * g.sw - g.pw + j;
                        if (iw < 0 || iw >= g.w) continue;
                        float v = plane[ih * g.w + iw];
                        if (at < 0 || v > best || (v != v && best == best)) {
                            best = v;
                            at = ih * g.w + iw;
                        }
                    }
                }
                out[p * ohw + y * g.ow + z] = best;
                indices[p * ohw + y * g.ow + z] = at;
            }
    }
    return LETHE_OK;
}

// dx [N, C, H, W] = 0, then dy added at the saved max positions. An index outside its plane is skipped and
// reported: LETHE_ERR_INDEX with info = { index, position in indices, 0, H*W }.
LETHE_EXPORT int lethe_max_pool2d_backward(const int64_t *geom, const float *dy, const int64_t *indices, float *dx,
                                           int64_t *info) {
    const pool_geom g = geometry(geom);
    const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
    int64_t bad_at = -1;
#pragma omp parallel for schedule(guided) if (g.planes * (hw + ohw) >= GRAIN_MEMORY && g.planes > 1)
    for (int64_t p = 0; p < g.planes; p++) {
        float *plane = dx + p * hw;
        memset(plane, 0, (size_t) hw * sizeof(float));
        for (int64_t k = 0; k < ohw; k++) {
            int64_t at = indices[p * ohw + k];
            if (at < 0 || at >= hw) {
#pragma omp critical(lethe_pool_bad_index)
                if (bad_at < 0 || p * ohw + k < bad_at) bad_at = p * ohw + k;
                continue;
            }
            plane[at] += dy[p * ohw + k];
        }
    }
    if (bad_at < 0) return LETHE_OK;
    info[0] = indices[bad_at];
    info[1] = bad_at;
    info[2] = 0;
    info[3] = hw;
    return LETHE_ERR_INDEX;
}

// ---- average pooling -------------------------------------------------------------------------------------

// PyTorch's avg_pool2d window along one axis: clipped [start, end) and the size counted with padding.
static void avg_window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t size, int64_t *start,
                       int64_t *end, int64_t *padded) {
    int64_t s = o * stride - pad, e = min_i64(s + k, size + pad);
    *padded = e - s;
    *start = max_i64(s, 0);
    *end = min_i64(e, size);
}

static double avg_divisor(const pool_geom *g, int64_t h0, int64_t h1, int64_t ph, int64_t w0, int64_t w1, int64_t pw) {
    return g->count_include_pad ? (double) (ph * pw) : (double) ((h1 - h0) * (w1 - w0));
}

LETHE_EXPORT int lethe_avg_pool2d(const int64_t *geom, const float *x, float *out) {
    const pool_geom g = geometry(geom);
    const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
#pragma omp parallel for schedule(guided) if (g.planes * ohw * g.kh * g.kw >= GRAIN_MEMORY && g.planes > 1)
    for (int64_t p = 0; p < g.planes; p++) {
        const float *plane = x + p * hw;
        for (int64_t y = 0; y < g.oh; y++) {
            int64_t h0, h1, ph;
            avg_window(y, g.sh, g.ph, g.kh, g.h, &h0, &h1, &ph);
            for (int64_t z = 0; z < g.ow; z++) {
                int64_t w0, w1, pw;
                avg_window(z, g.sw, g.pw, g.kw, g.w, &w0, &w1, &pw);
                double sum = 0;
                for (int64_t i = h0; i < h1; i++)
                    for (int64_t j = w0; j < w1; j++) sum += plane[i * g.w + j];
                out[p * ohw + y * g.ow + z] = (float) (sum / avg_divisor(&g, h0, h1, ph, w0, w1, pw));
            }
        }
    }
    return LETHE_OK;
}

LETHE_EXPORT int lethe_avg_pool2d_backward(const int64_t *geom, const float *dy, float *dx) {
    const pool_geom g = geometry(geom);
    const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
#pragma omp parallel for schedule(guided) if (g.planes * (hw + ohw * g.kh * g.kw) >= GRAIN_MEMORY && g.planes > 1)
    for (int64_t p = 0; p < g.planes; p++) {
        float *plane = dx + p * hw;
        memset(plane, 0, (size_t) hw * sizeof(float));
        for (int64_t y = 0; y < g.oh; y++) {
            int64_t h0, h1, ph;
            avg_window(y, g.sh, g.ph, g.kh, g.h, &h0, &h1, &ph);
            for (int64_t z = 0; z < g.ow; z++) {
                int64_t w0, w1, pw;
                avg_window(z, g.sw, g.pw, g.kw, g.w, &w0, &w1, &pw);
                float share = (float) (dy[p * ohw + y * g.ow + z] / avg_divisor(&g, h0, h1, ph, w0, w1, pw));
                for (int64_t i = h0; i < h1; i++)
                    for (int64_t j = w0; j < w1; j++) plane[i * g.w + j] += share;
            }
        }
    }
    return LETHE_OK;
}

// ---- adaptive average pooling ----------------------------------------------------------------------------

// Window [start, end) of output position o of out_size over size input positions (PyTorch's formula).
static void adaptive_window(int64_t o, int64_t out_size, int64_t size, int64_t *start, int64_t *end) {
    *start = o * size / out_size;
    *end = ((o + 1) * size + out_size - 1) / out_size;
}

// out [N, C, OH, OW] = adaptive average pooling of x [N, C, H, W].
LETHE_EXPORT int lethe_adaptive_avg_pool2d(int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                           const float *x, float *out) {
#pragma omp parallel for schedule(guided) if (planes * h * w >= GRAIN_MEMORY && planes > 1)
    for (int64_t p = 0; p < planes; p++) {
        const float *plane = x + p * h * w;
        for (int64_t y = 0; y < oh; y++) {
            int64_t h0, h1;
            adaptive_window(y, oh, h, &h0, &h1);
            for (int64_t z = 0; z < ow; z++) {
                int64_t w0, w1;
                adaptive_window(z, ow, w, &w0, &w1);
                double sum = 0;
                for (int64_t i = h0; i < h1; i++)
                    for (int64_t j = w0; j < w1; j++) sum += plane[i * w + j];
                out[(p * oh + y) * ow + z] = (float) (sum / (double) ((h1 - h0) * (w1 - w0)));
            }
        }
    }
    return LETHE_OK;
}

// dx [N, C, H, W] = gradient of adaptive average pooling from dy [N, C, OH, OW].
LETHE_EXPORT int lethe_adaptive_avg_pool2d_backward(int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                                    const float *dy, float *dx) {
#pragma omp parallel for schedule(guided) if (planes * h * w >= GRAIN_MEMORY && planes > 1)
    for (int64_t p = 0; p < planes; p++) {
        float *plane = dx + p * h * w;
        memset(plane, 0, (size_t) (h * w) * sizeof(float));
        for (int64_t y = 0; y < oh; y++) {
            int64_t h0, h1;
            adaptive_window(y, oh, h, &h0, &h1);
            for (int64_t z = 0; z < ow; z++) {
                int64_t w0, w1;
                adaptive_window(z, ow, w, &w0, &w1);
                float share = (float) (dy[(p * oh + y) * ow + z] / (double) ((h1 - h0) * (w1 - w0)));
                for (int64_t i = h0; i < h1; i++)
                    for (int64_t j = w0; j < w1; j++) plane[i * w + j] += share;
            }
        }
    }
    return LETHE_OK;
}
