// norm.c — batch norm (training with batch statistics, eval with running statistics, backward; each optionally
// fused with the ReLU that follows it) over x [N, C, S] and layer norm (forward, backward) over the last dimension
// of x [M, D]. Two passes for the statistics (mean, then squared deviations) as in the ref backend; batch norm's
// statistics and gradient sums add in float over blocks of ROW_BLOCK elements and the blocks in double, layer
// norm's in double. A channel's
// data is visited by consecutive passes while it is still in cache. Optional views are NULL when absent:
// weight/bias (no affine), running statistics, saved statistics, and each gradient output.
#include "common.h"

#include <math.h>
#include <omp.h>
#include <string.h>

// ---- batch norm ------------------------------------------------------------------------------------------

// ReLU as the elementwise kernels compute it (a NaN stays NaN).
static inline float relu_value(float v) { return v <= 0.0f ? 0.0f : v; }

// Elements summed in float lanes before the sum goes on in double: short enough for float's rounding to stay far
// below the tests' tolerances, long enough for the loop to vectorise without conversions to double.
#define ROW_BLOCK 1024

// sum(x) over s elements, in float over blocks of ROW_BLOCK, the blocks in double.
static double block_sum(const float *restrict x, int64_t s) {
    double total = 0;
    for (int64_t j0 = 0; j0 < s; j0 += ROW_BLOCK) {
        const int64_t j1 = j0 + ROW_BLOCK < s ? j0 + ROW_BLOCK : s;
        float a = 0.0f;
#pragma omp simd reduction(+ : a)
        for (int64_t j = j0; j < j1; j++) a += x[j];
        total += a;
    }
    return total;
}

// sum((x - mean)^2) over s elements, as block_sum.
static double block_squared_deviations(const float *restrict x, int64_t s, float mean) {
    double total = 0;
    for (int64_t j0 = 0; j0 < s; j0 += ROW_BLOCK) {
        const int64_t j1 = j0 + ROW_BLOCK < s ? j0 + ROW_BLOCK : s;
        float a = 0.0f;
#pragma omp simd reduction(+ : a)
        for (int64_t j = j0; j < j1; j++) {
            const float d = x[j] - mean;
            a += d * d;
        }
        total += a;
    }
    return total;
}

// x, out [N, C, S]; weight, bias, running_mean, running_var, save_mean, save_invstd [C].
LETHE_EXPORT int lethe_batch_norm_train(int64_t n, int64_t c, int64_t s, const float *x, const float *weight,
                                        const float *bias, float *running_mean, float *running_var, float *out,
                                        float *save_mean, float *save_invstd, double momentum, double eps,
                                        int relu) {
    const int64_t count = n * s;
#pragma omp parallel for schedule(dynamic, 1) if (n * c * s >= GRAIN_ROWS && c > 1)
    for (int64_t ch = 0; ch < c; ch++) {
        double sum = 0;
        for (int64_t i = 0; i < n; i++) sum += block_sum(x + (i * c + ch) * s, s);
        const double mean = sum / (double) count;
        const float mean_f = (float) mean;
        double ss = 0;
        for (int64_t i = 0; i < n; i++) ss += block_squared_deviations(x + (i * c + ch) * s, s, mean_f);
        const double var = ss / (double) count, inv = 1.0 / sqrt(var + eps);
        const float scale = (float) (inv * (weight ? weight[ch] : 1.0f)), shift = bias ? bias[ch] : 0.0f;
        for (int64_t i = 0; i < n; i++) {
            const float *restrict row = x + (i * c + ch) * s;
            float *restrict o = out + (i * c + ch) * s;
            if (relu)
                for (int64_t j = 0; j < s; j++) o[j] = relu_value((row[j] - mean_f) * scale + shift);
            else
                for (int64_t j = 0; j < s; j++) o[j] = (row[j] - mean_f) * scale + shift;
        }
        if (save_mean) save_mean[ch] = (float) mean;
        if (save_invstd) save_invstd[ch] = (float) inv;
        if (running_mean) running_mean[ch] = (float) ((1 - momentum) * running_mean[ch] + momentum * mean);
        if (running_var) {
            double unbiased = count > 1 ? ss / (double) (count - 1) : var;
            running_var[ch] = (float) ((1 - momentum) * running_var[ch] + momentum * unbiased);
        }
    }
    return LETHE_OK;
}

// out = (x - running_mean) / sqrt(running_var + eps) * weight + bias over x [N, C, S].
LETHE_EXPORT int lethe_batch_norm_eval(int64_t n, int64_t c, int64_t s, const float *x, const float *weight,
                                       const float *bias, const float *running_mean, const float *running_var,
                                       float *out, double eps, int relu) {
#pragma omp parallel for schedule(guided) if (n * c * s >= GRAIN_MEMORY && n * c > 1)
    for (int64_t plane = 0; plane < n * c; plane++) {
        const int64_t ch = plane % c;
        const double inv = 1.0 / sqrt((double) running_var[ch] + eps);
        const float scale = (float) (inv * (weight ? weight[ch] : 1.0f)), shift = bias ? bias[ch] : 0.0f;
        const float mean = running_mean[ch];
        const float *restrict row = x + plane * s;
        float *restrict o = out + plane * s;
        if (relu)
            for (int64_t j = 0; j < s; j++) o[j] = relu_value((row[j] - mean) * scale + shift);
        else
            for (int64_t j = 0; j < s; j++) o[j] = (row[j] - mean) * scale + shift;
    }
    return LETHE_OK;
}

// Gradients of batch norm from dy, x [N, C, S] and mean/invstd [C] (xhat = (x - mean) * invstd):
// dweight = sum(dy * xhat), dbias = sum(dy), and with batch_stats (training mode: the batch's statistics)
// dx = weight * invstd / count * (count * dy - sum(dy) - xhat * sum(dy * xhat)), without (eval mode: the running
// statistics, constants) dx = weight * invstd * dy. With out (the forward's output of relu(batch_norm(x)), [N, C, S])
// dy is first masked by out > 0: the gradient of batch norm + ReLU in the same two passes, with no masked copy of dy.
// One pass for the sums, one for dx; any output may be NULL.
// dy masked by out > 0; g[j] is loaded whatever the mask says, so the loop blends instead of using masked loads.
static inline float relu_masked(const float *out, const float *g, int64_t j) {
    const float v = g[j];
    return out[j] > 0.0f ? v : 0.0f;
}

// sum_g += sum(g), sum_gx += sum(g * (x - mean)) over s elements (g masked by out > 0 when out is not NULL).
static void gradient_sums(const float *restrict g, const float *restrict x, const float *restrict out, int64_t s,
                          float mean, double *sum_g, double *sum_gx) {
    for (int64_t j0 = 0; j0 < s; j0 += ROW_BLOCK) {
        const int64_t j1 = j0 + ROW_BLOCK < s ? j0 + ROW_BLOCK : s;
        float a = 0.0f, b = 0.0f;
        if (out) {
#pragma omp simd reduction(+ : a, b)
            for (int64_t j = j0; j < j1; j++) {
                const float gj = relu_masked(out, g, j);
                a += gj;
                b += gj * (x[j] - mean);
            }
        } else {
#pragma omp simd reduction(+ : a, b)
            for (int64_t j = j0; j < j1; j++) {
                a += g[j];
                b += g[j] * (x[j] - mean);
            }
        }
        *sum_g += a;
        *sum_gx += b;
    }
}

LETHE_EXPORT int lethe_batch_norm_backward(int64_t n, int64_t c, int64_t s, const float *dy, const float *out,
                                           const float *x, const float *weight, const float *save_mean,
                                           const float *save_invstd, float *dx, float *dweight, float *dbias,
                                           int batch_stats) {
    const int64_t count = n * s;
#pragma omp parallel for schedule(dynamic, 1) if (n * c * s >= GRAIN_ROWS && c > 1)
    for (int64_t ch = 0; ch < c; ch++) {
        const float mean = save_mean[ch];
        const double inv = save_invstd[ch];
        double sum_g = 0, sum_gx = 0;
        for (int64_t i = 0; i < n && (dweight || dbias || batch_stats); i++) {
            const int64_t at = (i * c + ch) * s;
            gradient_sums(dy + at, x + at, out ? out + at : NULL, s, mean, &sum_g, &sum_gx);
        }
        sum_gx *= inv;   // sum(dy * xhat)
        if (dbias) dbias[ch] = (float) sum_g;
        if (dweight) dweight[ch] = (float) sum_gx;
        if (!dx) continue;
        const float k = (float) ((weight ? weight[ch] : 1.0f) * inv);
        if (!batch_stats) {
            for (int64_t i = 0; i < n; i++) {
                const int64_t at = (i * c + ch) * s;
                const float *restrict g = dy + at;
                float *restrict d = dx + at;
                if (out) {
                    const float *restrict o = out + at;
                    for (int64_t j = 0; j < s; j++) d[j] = relu_masked(o, g, j) * k;
                } else {
                    for (int64_t j = 0; j < s; j++) d[j] = g[j] * k;
                }
            }
            continue;
        }
        const float mean_g = (float) (sum_g / (double) count);
        const float slope = (float) (inv * sum_gx / (double) count);
        for (int64_t i = 0; i < n; i++) {
            const int64_t at = (i * c + ch) * s;
            const float *restrict g = dy + at, *restrict row = x + at;
            float *restrict d = dx + at;
            if (out) {
                const float *restrict o = out + at;
                for (int64_t j = 0; j < s; j++) d[j] = (relu_masked(o, g, j) - mean_g - (row[j] - mean) * slope) * k;
            } else {
                for (int64_t j = 0; j < s; j++) d[j] = (g[j] - mean_g - (row[j] - mean) * slope) * k;
            }
        }
    }
    return LETHE_OK;
}

// ---- layer norm ------------------------------------------------------------------------------------------

// out [M, D] = (x - mean) * invstd * weight + bias per row of x [M, D]; save_mean, save_invstd [M].
LETHE_EXPORT int lethe_layer_norm(int64_t m, int64_t d, const float *x, const float *weight, const float *bias,
                                  float *out, float *save_mean, float *save_invstd, double eps) {
#pragma omp parallel for schedule(guided) if (m * d >= GRAIN_ROWS && m > 1)
    for (int64_t r = 0; r < m; r++) {
        const float *restrict row = x + r * d;
        float *restrict o = out + r * d;
        double sum = 0, ss = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < d; j++) sum += row[j];
        const double mean = sum / (double) d;
#pragma omp simd reduction(+ : ss)
        for (int64_t j = 0; j < d; j++) {
            double dev = row[j] - mean;
            ss += dev * dev;
        }
        const double inv = 1.0 / sqrt(ss / (double) d + eps);
        const float mean_f = (float) mean, inv_f = (float) inv;
        if (weight && bias) for (int64_t j = 0; j < d; j++) o[j] = (row[j] - mean_f) * inv_f * weight[j] + bias[j];
        else if (weight) for (int64_t j = 0; j < d; j++) o[j] = (row[j] - mean_f) * inv_f * weight[j];
        else if (bias) for (int64_t j = 0; j < d; j++) o[j] = (row[j] - mean_f) * inv_f + bias[j];
        else for (int64_t j = 0; j < d; j++) o[j] = (row[j] - mean_f) * inv_f;
        if (save_mean) save_mean[r] = mean_f;
        if (save_invstd) save_invstd[r] = inv_f;
    }
    return LETHE_OK;
}

// Gradients of layer norm: dx = invstd / D * (D * gw - sum(gw) - xhat * sum(gw * xhat)) with gw = dy * weight;
// dweight = sum over rows of dy * xhat, dbias = sum over rows of dy (per-thread double partial sums).
LETHE_EXPORT int lethe_layer_norm_backward(int64_t m, int64_t d, const float *dy, const float *x,
                                           const float *weight, const float *save_mean, const float *save_invstd,
                                           float *dx, float *dweight, float *dbias) {
    const int threads = m * d >= GRAIN_ROWS && m > 1 ? omp_get_max_threads() : 1;
    const int want_params = dweight || dbias;
    // partial: [threads, 2, D] doubles: sums of dy * xhat and of dy per thread
    double *partial = want_params ? thread_workspace(1, (size_t) (threads * 2 * d) * sizeof(double)) : NULL;
    if (want_params && !partial) return LETHE_ERR_NOMEM;
    int used = 1;
#pragma omp parallel num_threads(threads)
    {
#pragma omp single
        used = omp_get_num_threads();
        double *pw = want_params ? partial + omp_get_thread_num() * 2 * d : NULL, *pb = pw ? pw + d : NULL;
        if (pw) memset(pw, 0, (size_t) (2 * d) * sizeof(double));
        // static blocks of rows: each thread's partial sums the same rows every run (deterministic results)
#pragma omp for schedule(static)
        for (int64_t r = 0; r < m; r++) {
            const float *restrict g = dy + r * d, *restrict row = x + r * d;
            const float mean = save_mean[r], inv = save_invstd[r];
            double sum_gw = 0, sum_gwx = 0;
#pragma omp simd reduction(+ : sum_gw, sum_gwx)
            for (int64_t j = 0; j < d; j++) {
                float gw = g[j] * (weight ? weight[j] : 1.0f);
                sum_gw += gw;
                sum_gwx += (double) gw * ((row[j] - mean) * inv);
            }
            if (pw)
                for (int64_t j = 0; j < d; j++) {
                    pw[j] += (double) g[j] * ((row[j] - mean) * inv);
                    pb[j] += g[j];
                }
            if (!dx) continue;
            const float mean_gw = (float) (sum_gw / (double) d), slope = (float) (sum_gwx / (double) d);
            float *restrict o = dx + r * d;
            for (int64_t j = 0; j < d; j++) {
                float gw = g[j] * (weight ? weight[j] : 1.0f);
                o[j] = inv * (gw - mean_gw - (row[j] - mean) * inv * slope);
            }
        }
    }
    if (!want_params) return LETHE_OK;
    for (int64_t j = 0; j < d; j++) {
        double sw = 0, sb = 0;
        for (int t = 0; t < used; t++) {
            sw += partial[t * 2 * d + j];
            sb += partial[t * 2 * d + d + j];
        }
        if (dweight) dweight[j] = (float) sw;
        if (dbias) dbias[j] = (float) sb;
    }
    return LETHE_OK;
}
