// reduce.c — SUM/MEAN/MAX/MIN/VAR of a contiguous x seen as [outer, red, inner] over its middle dimension,
// and ARGMAX/ARGMIN along one axis. Sums accumulate in double (two passes for VAR: mean, then squared
// deviations), so results stay within float rounding of the ref backend's. NaN propagates through MAX/MIN;
// ARGMAX/ARGMIN return the first occurrence, NaN counting as the extreme (the first NaN wins).
#include "common.h"

#include <math.h>
#include <omp.h>

// Keep in the order of ai.lethe.backend.ReduceOp and ArgReduceOp.
enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_VAR };
enum { A_ARGMAX, A_ARGMIN };

// Inner positions reduced together when inner > 1: one tile of double accumulators on the stack.
#define TILE 256

// ---- whole rows (inner == 1) ----------------------------------------------------------------------------

static double row_sum(const float *x, int64_t n) {
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; i++) s += x[i];
    return s;
}

static double row_squared_deviation(const float *x, int64_t n, double mean) {
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; i++) {
        double d = x[i] - mean;
        s += d * d;
    }
    return s;
}

// max (is_max) or min of x[0..n), NaN when any element is NaN; -inf/+inf for n == 0.
static float row_extreme(const float *x, int64_t n, int is_max) {
    float m = is_max ? -INFINITY : INFINITY;
    int nan = 0;
    if (is_max) {
#pragma omp simd reduction(max : m) reduction(| : nan)
        for (int64_t i = 0; i < n; i++) {
            m = x[i] > m ? x[i] : m;
            nan |= x[i] != x[i];
        }
    } else {
#pragma omp simd reduction(min : m) reduction(| : nan)
        for (int64_t i = 0; i < n; i++) {
            m = x[i] < m ? x[i] : m;
            nan |= x[i] != x[i];
        }
    }
    return nan ? NAN : m;
}

// Parts a long row is split into across threads, combined in part order so that the result does not depend
// on thread timing.
#define ROW_PARTS 16

static double row_sum_parallel(const float *x, int64_t n) {
    double part[ROW_PARTS], s = 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (int t = 0; t < ROW_PARTS; t++) part[t] = row_sum(x + n * t / ROW_PARTS, n * (t + 1) / ROW_PARTS - n * t / ROW_PARTS);
    for (int t = 0; t < ROW_PARTS; t++) s += part[t];
    return s;
}

static double row_squared_deviation_parallel(const float *x, int64_t n, double mean) {
    double part[ROW_PARTS], s = 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (int t = 0; t < ROW_PARTS; t++)
        part[t] = row_squared_deviation(x + n * t / ROW_PARTS, n * (t + 1) / ROW_PARTS - n * t / ROW_PARTS, mean);
    for (int t = 0; t < ROW_PARTS; t++) s += part[t];
    return s;
}

static float row_extreme_parallel(const float *x, int64_t n, int is_max) {
    float part[ROW_PARTS];
#pragma omp parallel for schedule(dynamic, 1)
    for (int t = 0; t < ROW_PARTS; t++) part[t] = row_extreme(x + n * t / ROW_PARTS, n * (t + 1) / ROW_PARTS - n * t / ROW_PARTS, is_max);
    return row_extreme(part, ROW_PARTS, is_max);
}

static float row_result(int op, const float *x, int64_t n, double correction, int parallel) {
    switch (op) {
        case R_SUM: return (float) (parallel ? row_sum_parallel(x, n) : row_sum(x, n));
        case R_MEAN: return (float) ((parallel ? row_sum_parallel(x, n) : row_sum(x, n)) / (double) n);
        case R_MAX: return parallel ? row_extreme_parallel(x, n, 1) : row_extreme(x, n, 1);
        case R_MIN: return parallel ? row_extreme_parallel(x, n, 0) : row_extreme(x, n, 0);
        default: {
            double mean = (parallel ? row_sum_parallel(x, n) : row_sum(x, n)) / (double) n;
            double ss = parallel ? row_squared_deviation_parallel(x, n, mean) : row_squared_deviation(x, n, mean);
            return (float) (ss / fmax((double) n - correction, 0.0));
        }
    }
}

// ---- tiles of columns (inner > 1): x block [red, inner], reduce down the columns j0 .. j0+len ----------

static void column_tile(int op, const float *x, int64_t red, int64_t inner, int64_t len, double correction,
                        float *out) {
    double acc[TILE];
    if (op == R_MAX || op == R_MIN) {
        float m[TILE];
        int nan[TILE];
        for (int64_t j = 0; j < len; j++) { m[j] = op == R_MAX ? -INFINITY : INFINITY; nan[j] = 0; }
        for (int64_t r = 0; r < red; r++) {
            const float *row = x + r * inner;
            if (op == R_MAX) for (int64_t j = 0; j < len; j++) m[j] = row[j] > m[j] ? row[j] : m[j];
            else for (int64_t j = 0; j < len; j++) m[j] = row[j] < m[j] ? row[j] : m[j];
            for (int64_t j = 0; j < len; j++) nan[j] |= row[j] != row[j];
        }
        for (int64_t j = 0; j < len; j++) out[j] = nan[j] ? NAN : m[j];
        return;
    }
    for (int64_t j = 0; j < len; j++) acc[j] = 0;
    for (int64_t r = 0; r < red; r++) {
        const float *row = x + r * inner;
        for (int64_t j = 0; j < len; j++) acc[j] += row[j];
    }
    if (op == R_SUM) {
        for (int64_t j = 0; j < len; j++) out[j] = (float) acc[j];
        return;
    }
    for (int64_t j = 0; j < len; j++) acc[j] /= (double) red;
    if (op == R_MEAN) {
        for (int64_t j = 0; j < len; j++) out[j] = (float) acc[j];
        return;
    }
    double ss[TILE];
    for (int64_t j = 0; j < len; j++) ss[j] = 0;
    for (int64_t r = 0; r < red; r++) {
        const float *row = x + r * inner;
        for (int64_t j = 0; j < len; j++) {
            double d = row[j] - acc[j];
            ss[j] += d * d;
        }
    }
    double denom = fmax((double) red - correction, 0.0);
    for (int64_t j = 0; j < len; j++) out[j] = (float) (ss[j] / denom);
}

// out [outer, inner] = op over the middle dimension of x [outer, red, inner]; both contiguous.
// p0 = correction of VAR.
LETHE_EXPORT int lethe_reduce(int op, int64_t outer, int64_t red, int64_t inner, const float *x, float *out,
                              double correction) {
    if (op < R_SUM || op > R_VAR) return LETHE_ERR_ARG;
    int64_t total = outer * red * inner;
    if (inner == 1) {
        if (outer < omp_get_max_threads() && red >= GRAIN_MEMORY) {
            for (int64_t o = 0; o < outer; o++) out[o] = row_result(op, x + o * red, red, correction, 1);
        } else if (total < GRAIN_MEMORY || outer == 1) {
            for (int64_t o = 0; o < outer; o++) out[o] = row_result(op, x + o * red, red, correction, 0);
        } else {
#pragma omp parallel for schedule(guided)
            for (int64_t o = 0; o < outer; o++) out[o] = row_result(op, x + o * red, red, correction, 0);
        }
        return LETHE_OK;
    }
    int64_t tiles = (inner + TILE - 1) / TILE;
#pragma omp parallel for schedule(guided) if (total >= GRAIN_MEMORY && outer * tiles > 1)
    for (int64_t w = 0; w < outer * tiles; w++) {
        int64_t o = w / tiles, j0 = (w % tiles) * TILE;
        column_tile(op, x + o * red * inner + j0, red, inner, min_i64(TILE, inner - j0), correction,
                    out + o * inner + j0);
    }
    return LETHE_OK;
}

// ---- argmax / argmin ---------------------------------------------------------------------------------------

// out [outer, inner] (int64) = index along the middle dimension of x [outer, n, inner] of the first max
// (ARGMAX) or min (ARGMIN); the first NaN wins over any number. Both contiguous, n >= 1.
LETHE_EXPORT int lethe_arg_reduce(int op, int64_t outer, int64_t n, int64_t inner, const float *x, int64_t *out) {
    if (op != A_ARGMAX && op != A_ARGMIN) return LETHE_ERR_ARG;
    int is_max = op == A_ARGMAX;
#pragma omp parallel for schedule(guided) if (outer * n * inner >= GRAIN_MEMORY && outer * inner > 1)
    for (int64_t w = 0; w < outer * inner; w++) {
        const float *p = x + (w / inner) * n * inner + w % inner;
        int64_t best = 0;
        float best_v = p[0];
        for (int64_t j = 1; j < n && best_v == best_v; j++) {
            float v = p[j * inner];
            if (v != v || (is_max ? v > best_v : v < best_v)) {
                best = j;
                best_v = v;
            }
        }
        out[w] = best;
    }
    return LETHE_OK;
}
