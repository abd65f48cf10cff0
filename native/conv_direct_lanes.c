// conv_direct_lanes.c — the drivers of the channels-in-lanes convolution kernels (conv_direct_lanes.h, built per
// instruction set in conv_direct.c): forward, strided input gradient by output phase, and weight gradient, on
// chunks of samples whose output pixels form one list (each pixel with its own input address), so tiles of
// pixels run across samples and strides. conv_direct.c's header explains the kernels and when they run.
#include "common.h"
#include "conv_direct.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

// Bytes of one lanes chunk's padded sources and pixel-major results together.
#define LANES_CHUNK_BUDGET (512 * 1024)

// Samples per chunk: as many as the budget holds, then evened out so that the chunks are a multiple of the
// threads where the batch allows (64 samples of 26.6 KB were 19 + 19 + 19 + 7: one of two threads idled for a
// fifth of the convolution; now 4 x 16).
static int64_t lanes_chunk(int64_t n, int64_t per_sample) {
    const int64_t most = max_i64(1, min_i64(n, LANES_CHUNK_BUDGET / per_sample)), threads = omp_get_max_threads();
    int64_t chunks = ceil_div(n, most);
    if (n >= threads) chunks = round_up(chunks, threads);
    return ceil_div(n, chunks);
}

// The forward pass by the channels-in-lanes kernel: chunks of samples, each a list of output pixels (with
// their input addresses) in tiles of PT, results [pixels, KP] transposed to NCHW.
int conv_lanes_forward(const conv_geom *g, const isa_kernels *isa, const float *x, const float *w, const float *bias,
                         float *out) {
    const int64_t vl = isa->vl, variant = g->k >= 4 * vl ? 0 : g->k >= 2 * vl ? 1 : 2;
    const int64_t kv = variant == 0 ? 4 : variant == 1 ? 2 : 1, pt = isa->lanes_pt[variant];
    const int64_t kp = round_up(g->k, kv * vl), taps = g->kh * g->kw;
    const int64_t hp = g->h + 2 * g->ph, wp = g->w + 2 * g->pw, plane = hp * wp, p = g->oh * g->ow;
    const int64_t per_sample = (g->c * plane + p * kp) * (int64_t) sizeof(float);
    const int64_t chunk = lanes_chunk(g->n, per_sample);
    const int64_t chunks = ceil_div(g->n, chunk), pixels = round_up(chunk * p, pt);
    float *wl = thread_workspace(WS_WINOGRAD_WEIGHTS, (size_t) (g->c * taps * kp) * sizeof(float));
    int64_t *off = malloc((size_t) taps * sizeof(int64_t));
    if (!wl || !off) {
        free(off);
        return LETHE_ERR_NOMEM;
    }
    for (int64_t c = 0; c < g->c; c++)   // wl [C][taps][KP]
        for (int64_t t = 0; t < taps; t++)
            for (int64_t k = 0; k < kp; k++) wl[(c * taps + t) * kp + k] = k < g->k ? w[(k * g->c + c) * taps + t] : 0.0f;
    for (int64_t i = 0; i < g->kh; i++)
        for (int64_t j = 0; j < g->kw; j++) off[i * g->kw + j] = i * g->dh * wp + j * g->dw;
    const int64_t x_size = g->c * g->h * g->w, out_size = g->k * p;
    int failed = 0;
#pragma omp parallel if (chunks > 1)
    {
        float *src = thread_workspace(WS_COL, (size_t) (chunk * g->c * plane) * sizeof(float));
        float *dst = thread_workspace(WS_CHUNK, (size_t) (pixels * kp) * sizeof(float));
        int64_t *at = thread_workspace(WS_PLANE, (size_t) pixels * sizeof(int64_t));
        const int ok = src && dst && at;
        if (!ok) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t ch = 0; ch < chunks; ch++) {
            if (!ok) continue;
            const int64_t n0 = ch * chunk, count = min_i64(chunk, g->n - n0);
            for (int64_t m = 0; m < count; m++)
                for (int64_t c = 0; c < g->c; c++) {
                    float *d = src + (m * g->c + c) * plane;
                    const float *xc = x + (n0 + m) * x_size + c * g->h * g->w;
                    memset(d, 0, (size_t) plane * sizeof(float));
                    for (int64_t y = 0; y < g->h; y++)
                        memcpy(d + (y + g->ph) * wp + g->pw, xc + y * g->w, (size_t) g->w * sizeof(float));
                }
            int64_t q = 0;
            for (int64_t m = 0; m < count; m++)
                for (int64_t oy = 0; oy < g->oh; oy++)
                    for (int64_t ox = 0; ox < g->ow; ox++) at[q++] = m * g->c * plane + oy * g->sh * wp + ox * g->sw;
            const int64_t used = round_up(q, pt);
            while (q < used) at[q++] = 0;
            isa->lanes[variant](used, kp / (kv * vl), g->c, taps, off, at, wl, src, plane, dst);
            for (int64_t m = 0; m < count; m++)
                for (int64_t k = 0; k < g->k; k++) {
                    float *o = out + (n0 + m) * out_size + k * p;
                    const float *d = dst + m * p * kp + k;
                    const float b = bias ? bias[k] : 0.0f;
                    for (int64_t i = 0; i < p; i++) o[i] = d[i * kp] + b;
                }
        }
    }
    free(off);
    return failed ? LETHE_ERR_NOMEM : LETHE_OK;
}

// The input gradient by output phase (see the header) with the channels-in-lanes kernel: for each phase, a list
// of its dx pixels (s u + a, s v + b) of a chunk of samples, each reading the zero-padded dy [K, rows, wd] at
// (u + pt, v + pl) minus (ii / s, jj / s) for the phase's taps (ii % s = a, jj % s = b); results [pixels, CP]
// scattered to dx. Phases no tap reaches get zeros.
int conv_lanes_backward_input(const conv_geom *g, const isa_kernels *isa, const dx_phase *ph, int64_t nph,
                                int64_t max_taps, int64_t pt, int64_t pl, int64_t rows, int64_t wd, const float *dy,
                                const float *w, float *dx) {
    const int64_t vl = isa->vl, variant = g->c >= 4 * vl ? 0 : g->c >= 2 * vl ? 1 : 2;
    const int64_t kv = variant == 0 ? 4 : variant == 1 ? 2 : 1, tile = isa->lanes_pt[variant];
    const int64_t cp = round_up(g->c, kv * vl), taps = g->kh * g->kw, plane = rows * wd;
    int64_t max_px = 1;
    for (int64_t k = 0; k < nph; k++) max_px = max_i64(max_px, (ph[k].u1 - ph[k].u0) * (ph[k].v1 - ph[k].v0));
    const int64_t per_sample = (g->k * plane + max_px * cp) * (int64_t) sizeof(float);
    const int64_t chunk = lanes_chunk(g->n, per_sample);
    const int64_t chunks = ceil_div(g->n, chunk), pixels = round_up(chunk * max_px, tile), mt = max_i64(1, max_taps);
    // per phase k: wl + k K mt CP holds [K][taps of k][CP]; offsets [mt]
    float *wl = thread_workspace(WS_WINOGRAD_WEIGHTS, (size_t) (nph * g->k * mt * cp) * sizeof(float));
    int64_t *off = malloc((size_t) (nph * mt) * sizeof(int64_t));
    if (!wl || !off) {
        free(off);
        return LETHE_ERR_NOMEM;
    }
    for (int64_t k = 0; k < nph; k++)
        for (int64_t t = 0; t < ph[k].taps; t++) {
            const int64_t tap = ph[k].tap[t], ii = (tap / g->kw) * g->dh, jj = (tap % g->kw) * g->dw;
            off[k * mt + t] = -((ii / g->sh) * wd + jj / g->sw);
            for (int64_t kk = 0; kk < g->k; kk++)
                for (int64_t c = 0; c < cp; c++)
                    wl[k * g->k * mt * cp + (kk * ph[k].taps + t) * cp + c] = c < g->c ? w[(kk * g->c + c) * taps + tap] : 0.0f;
        }
    const int64_t x_size = g->c * g->h * g->w, dy_size = g->k * g->oh * g->ow;
    int failed = 0;
#pragma omp parallel if (chunks > 1)
    {
        float *src = thread_workspace(WS_COL, (size_t) (chunk * g->k * plane) * sizeof(float));
        float *dst = thread_workspace(WS_CHUNK, (size_t) (pixels * cp) * sizeof(float));
        int64_t *at = thread_workspace(WS_PLANE, (size_t) pixels * sizeof(int64_t));
        const int ok = src && dst && at;
        if (!ok) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t ch = 0; ch < chunks; ch++) {
            if (!ok) continue;
            const int64_t n0 = ch * chunk, count = min_i64(chunk, g->n - n0);
            memset(src, 0, (size_t) (count * g->k * plane) * sizeof(float));
            for (int64_t m = 0; m < count; m++)
                for (int64_t kk = 0; kk < g->k; kk++)
                    for (int64_t y = 0; y < g->oh; y++)
                        memcpy(src + (m * g->k + kk) * plane + (y + pt) * wd + pl,
                               dy + (n0 + m) * dy_size + (kk * g->oh + y) * g->ow, (size_t) g->ow * sizeof(float));
            for (int64_t k = 0; k < nph; k++) {
                const dx_phase *p = &ph[k];
                if (p->u1 <= p->u0 || p->v1 <= p->v0) continue;
                if (p->taps == 0) {
                    for (int64_t m = 0; m < count; m++)
                        for (int64_t c = 0; c < g->c; c++)
                            for (int64_t u = p->u0; u < p->u1; u++)
                                for (int64_t v = p->v0; v < p->v1; v++)
                                    dx[(n0 + m) * x_size + (c * g->h + g->sh * u + p->a - g->ph) * g->w + g->sw * v + p->b - g->pw] = 0.0f;
                    continue;
                }
                int64_t q = 0;
                for (int64_t m = 0; m < count; m++)
                    for (int64_t u = p->u0; u < p->u1; u++)
                        for (int64_t v = p->v0; v < p->v1; v++) at[q++] = m * g->k * plane + (u + pt) * wd + v + pl;
                const int64_t used = round_up(q, tile);
                while (q < used) at[q++] = at[0];
                isa->lanes[variant](used, cp / (kv * vl), g->k, p->taps, off + k * mt, at, wl + k * g->k * mt * cp, src,
                                    plane, dst);
                q = 0;
                for (int64_t m = 0; m < count; m++)
                    for (int64_t u = p->u0; u < p->u1; u++)
                        for (int64_t v = p->v0; v < p->v1; v++, q++) {
                            float *to = dx + (n0 + m) * x_size + (g->sh * u + p->a - g->ph) * g->w + g->sw * v + p->b - g->pw;
                            const float *from = dst + q * cp;
                            for (int64_t c = 0; c < g->c; c++) to[c * g->h * g->w] = from[c];
                        }
            }
        }
    }
    free(off);
    return failed ? LETHE_ERR_NOMEM : LETHE_OK;
}

// The weight gradient by the channels-in-lanes kernel (planes under LANES_MAX_PLANE): chunks of samples as
// pixel lists (lanes_forward's), dy transposed to [pixels, KP], summed in fixed groups of chunks.
int conv_lanes_weight(const conv_geom *g, const isa_kernels *isa, const float *dy, const float *x, float *dw) {
    const int64_t vl = isa->vl, variant = g->k >= 4 * vl ? 0 : g->k >= 2 * vl ? 1 : 2;
    const int64_t kv = variant == 0 ? 4 : variant == 1 ? 2 : 1, pt = isa->lanes_pt[variant];
    const int64_t kp = round_up(g->k, kv * vl), taps = g->kh * g->kw, pairs = round_up(g->c * taps, pt);
    const int64_t hp = g->h + 2 * g->ph, wp = g->w + 2 * g->pw, plane = hp * wp, p = g->oh * g->ow;
    const int64_t per_sample = (g->c * plane + p * kp) * (int64_t) sizeof(float);
    const int64_t chunk = lanes_chunk(g->n, per_sample);
    const int64_t chunks = ceil_div(g->n, chunk), pixels = round_up(chunk * p, pt), part = pairs * kp;
    const int64_t threads = omp_get_max_threads();
    const int64_t groups = max_i64(1, min_i64(chunks, min_i64(4 * threads, max_i64(threads, PARTIAL_BUDGET / (part * 4)))));
    float *partial = thread_workspace(WS_PARTIAL, (size_t) (groups * part) * sizeof(float));
    int64_t *pair_off = malloc((size_t) pairs * sizeof(int64_t));
    if (!partial || !pair_off) {
        free(pair_off);
        return LETHE_ERR_NOMEM;
    }
    for (int64_t r = 0; r < pairs; r++) {
        const int64_t c = r < g->c * taps ? r / taps : 0, t = r < g->c * taps ? r % taps : 0;
        pair_off[r] = c * plane + (t / g->kw) * g->dh * wp + (t % g->kw) * g->dw;
    }
    const int64_t x_size = g->c * g->h * g->w, dy_size = g->k * p;
    int failed = 0;
#pragma omp parallel if (groups > 1)
    {
        float *src = thread_workspace(WS_COL, (size_t) (chunk * g->c * plane) * sizeof(float));
        float *dyt = thread_workspace(WS_CHUNK, (size_t) (pixels * kp) * sizeof(float));
        int64_t *at = thread_workspace(WS_PLANE, (size_t) pixels * sizeof(int64_t));
        const int ok = src && dyt && at;
        if (!ok) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t group = 0; group < groups; group++) {
            float *sum = partial + group * part;
            memset(sum, 0, (size_t) part * sizeof(float));
            for (int64_t ch = chunks * group / groups; ok && ch < chunks * (group + 1) / groups; ch++) {
                const int64_t n0 = ch * chunk, count = min_i64(chunk, g->n - n0);
                for (int64_t m = 0; m < count; m++)
                    for (int64_t c = 0; c < g->c; c++) {
                        float *d = src + (m * g->c + c) * plane;
                        const float *xc = x + (n0 + m) * x_size + c * g->h * g->w;
                        memset(d, 0, (size_t) plane * sizeof(float));
                        for (int64_t y = 0; y < g->h; y++)
                            memcpy(d + (y + g->ph) * wp + g->pw, xc + y * g->w, (size_t) g->w * sizeof(float));
                    }
                int64_t q = 0;
                for (int64_t m = 0; m < count; m++)
                    for (int64_t oy = 0; oy < g->oh; oy++)
                        for (int64_t ox = 0; ox < g->ow; ox++) at[q++] = m * g->c * plane + oy * g->sh * wp + ox * g->sw;
                memset(dyt, 0, (size_t) (pixels * kp) * sizeof(float));
                for (int64_t m = 0; m < count; m++)   // dyt [m P + i][k] = dy[n0 + m][k][i]
                    for (int64_t k = 0; k < g->k; k++) {
                        const float *from = dy + (n0 + m) * dy_size + k * p;
                        float *to = dyt + m * p * kp + k;
                        for (int64_t i = 0; i < p; i++) to[i * kp] = from[i];
                    }
                const int64_t used = round_up(q, pt);
                while (q < used) at[q++] = 0;
                isa->lanes_weight[variant](used, kp / (kv * vl), pairs, pair_off, at, dyt, src, sum);
            }
        }
    }
    free(pair_off);
    if (failed) return LETHE_ERR_NOMEM;
    for (int64_t t = 1; t < groups; t++) {
        float *restrict into = partial;
        const float *restrict from = partial + t * part;
        for (int64_t i = 0; i < part; i++) into[i] += from[i];
    }
    for (int64_t k = 0; k < g->k; k++)   // dw[k][c][t] = partial[c taps + t][k]
        for (int64_t r = 0; r < g->c * taps; r++) dw[k * g->c * taps + r] = partial[r * kp + k];
    return LETHE_OK;
}

