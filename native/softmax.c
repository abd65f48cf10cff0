// softmax.c — softmax / log-softmax of x [outer, D, inner] along D and their gradients. Rows (inner == 1)
// are the common case (class scores, attention); for inner > 1 a tile of columns is handled at once with
// per-column running values. Sums of exponentials and dot products accumulate in double; the maximum is
// subtracted first, as in the ref backend, so a NaN anywhere in a row makes the whole row NaN there too.
#include "common.h"
#include "vecmath.h"

#include <math.h>

// Columns of an [D, inner] block handled together when inner > 1.
#define TILE 256

static void softmax_row(const float *restrict x, float *restrict out, int64_t d, int log_softmax) {
    float m = -INFINITY;
    for (int64_t j = 0; j < d; j++) m = x[j] > m || x[j] != x[j] ? x[j] : m;
    double sum = 0;
    if (log_softmax) {
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < d; j++) sum += exp_f32(x[j] - m);
        const double shift = (double) m + log(sum);
        for (int64_t j = 0; j < d; j++) out[j] = (float) ((double) x[j] - shift);
    } else {
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < d; j++) {
            float e = exp_f32(x[j] - m);
            out[j] = e;
            sum += e;
        }
        const float inv = (float) (1.0 / sum);
        for (int64_t j = 0; j < d; j++) out[j] *= inv;
    }
}

// Columns [0, len) of the block x [D, inner] (leading dimension inner).
static void softmax_columns(const float *x, float *out, int64_t d, int64_t inner, int64_t len, int log_softmax) {
    float m[TILE];
    double sum[TILE];
    for (int64_t q = 0; q < len; q++) {
        m[q] = -INFINITY;
        sum[q] = 0;
    }
    for (int64_t j = 0; j < d; j++)
        for (int64_t q = 0; q < len; q++) {
            float v = x[j * inner + q];
            m[q] = v > m[q] || v != v ? v : m[q];
        }
    for (int64_t j = 0; j < d; j++)
        for (int64_t q = 0; q < len; q++) sum[q] += exp_f32(x[j * inner + q] - m[q]);
    for (int64_t j = 0; j < d; j++)
        for (int64_t q = 0; q < len; q++) {
            float v = x[j * inner + q];
            out[j * inner + q] = log_softmax ? (float) ((double) v - m[q] - log(sum[q]))
                                             : (float) (exp_f32(v - m[q]) / sum[q]);
        }
}

// out = softmax (log_softmax != 0: log_softmax) of x [outer, D, inner] along D; contiguous, D >= 1.
LETHE_EXPORT int lethe_softmax(int64_t outer, int64_t d, int64_t inner, const float *x, float *out, int log_softmax) {
    const int64_t total = outer * d * inner;
    if (inner == 1) {
#pragma omp parallel for schedule(guided) if (total >= GRAIN_ROWS && outer > 1)
        for (int64_t r = 0; r < outer; r++) softmax_row(x + r * d, out + r * d, d, log_softmax);
        return LETHE_OK;
    }
    const int64_t tiles = (inner + TILE - 1) / TILE;
#pragma omp parallel for schedule(guided) if (total >= GRAIN_ROWS && outer * tiles > 1)
    for (int64_t w = 0; w < outer * tiles; w++) {
        int64_t o = w / tiles, q0 = (w % tiles) * TILE;
        softmax_columns(x + o * d * inner + q0, out + o * d * inner + q0, d, inner, min_i64(TILE, inner - q0),
                        log_softmax);
    }
    return LETHE_OK;
}

// dx from the forward output y and dy, all [outer, D, inner] contiguous:
// softmax: dx = y (dy - sum(dy y));  log_softmax: dx = dy - exp(y) sum(dy).
LETHE_EXPORT int lethe_softmax_backward(int64_t outer, int64_t d, int64_t inner, const float *y, const float *dy,
                                        float *dx, int log_softmax) {
    const int64_t total = outer * d * inner;
#pragma omp parallel for schedule(guided) if (total >= GRAIN_ROWS && outer * inner > 1)
    for (int64_t w = 0; w < outer * inner; w++) {
        const int64_t base = (w / inner) * d * inner + w % inner;
        const float *yp = y + base, *gp = dy + base;
        float *dp = dx + base;
        double dot = 0;
        if (inner == 1) {
#pragma omp simd reduction(+ : dot)
            for (int64_t j = 0; j < d; j++) dot += log_softmax ? gp[j] : gp[j] * yp[j];
        } else {
            for (int64_t j = 0; j < d; j++) dot += log_softmax ? gp[j * inner] : gp[j * inner] * yp[j * inner];
        }
        const float dot_f = (float) dot;
        if (log_softmax)
            for (int64_t j = 0; j < d; j++) dp[j * inner] = gp[j * inner] - exp_f32(yp[j * inner]) * dot_f;
        else
            for (int64_t j = 0; j < d; j++) dp[j * inner] = yp[j * inner] * (gp[j * inner] - dot_f);
    }
    return LETHE_OK;
}
