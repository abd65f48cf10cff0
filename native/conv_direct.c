// conv_direct.c — direct (im2col-free, GEMM-free) 2-D convolution for the small-channel layers where im2col +
// sgemm and Winograd lose to oneDNN-style direct kernels: forward, input gradient and weight gradient, NCHW in
// and out, with register-tiled inner loops for AVX-512F, AVX2 + FMA and generic C, chosen at run time from the
// CPU's feature flags (lethe_cpu_features of cpu_check.c), never from its model name. Two kernel families:
//
// Flat kernels (conv_direct_kernels.h), for large planes with few output channels. Every sample's input channel
// is rewritten (zero-padded) as s*s "phase" planes of width WQ = ceil((W + 2 pw) / s): phase (a, b) holds padded
// pixel (s y + a, s x + b) at (y, x). Output (oy, ox) then reads, for kernel tap (i, j) (ii = i dh, jj = j dw),
// phase (ii % s, jj % s) at (oy + ii / s, ox + jj / s): with q = oy WQ + ox that is position q + off[t] of the
// channel's buffer, one fixed offset per tap, for any stride, padding and dilation. The kernel computes all q
// in [0, OH WQ) (positions with ox >= OW are garbage, dropped when copied out), one unaligned vector load per
// tap and VL outputs, output channels in registers (AVX-512: 8 channels x 3 vectors).
//   forward        dst [K, q] = sum over c, t of w[k][c][t] * src_c[q + off[t]]; out = dst cut to OW, + bias.
//   input grad     the transposed convolution by output phase: dx's padded pixel (s u + a, s v + b) gets
//                  w[k][c][i][j] dy[k][u - ii/s][v - jj/s] from the taps with ii % s = a, jj % s = b only,
//                  so each phase is a forward-like pass over a zero-padded dy (channels K -> C, its own taps);
//                  no multiplication by an inserted zero.
//   weight grad    dw[k][c][t] = sum over samples and q of dy_k[q] * src_c[q + off[t]] (dy zero at garbage q):
//                  WO output channels x WT taps of vector accumulators over a chunk of samples, then reduced.
// Lanes kernels (conv_direct_lanes.h; drivers in conv_direct_lanes.c), for small planes (under 10x10) or at
// least two vectors of output channels: output channels in vector lanes, a tile of PT output pixels (each with
// its own input address, so tiles run across samples and strides cost nothing) x KV channel vectors. Forward and
// strided input gradient (per output phase, as above) broadcast one input per pixel and tap against KV weight
// vectors; the weight gradient puts (input channel, tap) pairs in the tile and dy (transposed to [pixel, K]) in
// the lanes, so its accumulators run over every pixel of a chunk without a horizontal sum. The stride-1 input
// gradient there is conv.c's flipped-kernel forward convolution, which lands on the lanes forward.
// Samples run in parallel (OpenMP, dynamic); weight gradients sum samples in fixed groups added in group order,
// so results do not depend on which thread ran what.
//
// Dispatch ("auto"): 3x3 kernels, stride 1 or 2, dilation 1, C and K <= 128, at least one sample per thread
// (smaller batches keep im2col's parallel-per-sample path), all three ops; lanes kernels where use_lanes says,
// flat ones elsewhere; other shapes (1x1, 7x7 stems, larger channel counts) stay on im2col/Winograd. Measured on
// the 2-core AMD EPYC (AVX-512, Zen 5) host, a single thread, CPU time per image (microseconds: forward / input
// grad / weight grad, total), batch 128, the machine shared with other jobs (load average 8-17: single-thread CPU
// time is the stable measure there), against im2col + OpenBLAS / Winograd (LETHE_CONV_KERNEL=gemm) and PyTorch
// 1.13 (oneDNN) in the same conditions:
//   layer (C->K, plane, stride)   direct (auto)             gemm/Winograd              PyTorch fwd / bwd, total
//   1->16, 28, s1 (stem)           4.2 / 15.2 /  6.3,  26   15.5 / 37.1 / 33.4,  86     -
//   16->16, 28, s1  (flat)        24.8 / 27.2 / 39.2,  91   62.4 / 61.0 / 74.1, 198     27-44 / 57-64,  84-108
//   16->32, 28, s2  (lanes)       14.1 / 19.5 / 15.7,  49   45.5 / 40.6 / 39.5, 126     14-27 / 30-44,  44-72
//   32->32, 14, s1  (lanes)       22.0 / 22.6 / 22.3,  67   41.4 / 41.1 / 46.7, 129     19-25 / 43-57,  62-82
//   32->64, 14, s2  (lanes)       11.5 / 15.2 / 12.2,  39   30.2 / 32.8 / 27.4,  90     11-19 / 26-34,  37-54
//   64->64, 7, s1   (lanes)       18.5 / 18.7 / 19.9,  57   48.8 / 46.7 / 51.2, 147     18-22 / 37-44,  54-66
//   64->128, 7, s2  (lanes)       14.2 / 14.2 / 16.9,  45   32.2 / 47.0 / 31.6, 111     10-13 / 29-39,  39-52
//   128->128, 4, s1 (lanes)       25.4 / 25.1 / 26.7,  77   63.5 / 63.0 / 57.3, 184     22-28 / 41-55,  63-83
// (PyTorch: two runs, min-max.) The flat kernels lose to the lanes ones once K has two vectors (16->32 at 28x28
// s2: forward 19.5 vs 13.5, weight grad 25 vs 15; 32->32 at 14x14: 26 vs 21, 36 vs 21), win with one (16->16:
// forward 24.5 vs 35). Not measured: a machine with AVX2 only (its rules are the same, with VL 8).
// LETHE_CONV_KERNEL=auto|gemm|generic|avx2|avx512 (or -Dlethe.conv.kernel, passed by CpuLibrary through
// lethe_conv_set_kernel) forces a path: gemm never runs a direct kernel (im2col/Winograd only); an instruction
// set runs every convolution the direct kernels can compute with that set (the tests use this to check each
// path the machine supports), and is refused when the CPU lacks it.
#include "common.h"
#include "conv.h"
#include "conv_direct.h"

#include <immintrin.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

// ---- the three instruction sets ----------------------------------------------------------------------------

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define ISA avx512
#define LANES_PT4 6
#define LANES_PT2 12
#define LANES_PT1 24
#define VL 16
#define RO 8
#define RQ 3
#define WO 4
#define WT 3
#define VEC __m512
#define VZERO() _mm512_setzero_ps()
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VHSUM(v) _mm512_reduce_add_ps(v)
#define VKEEP(v) __asm__("" : "+v"(v))
#include "conv_direct_kernels.h"
#include "conv_direct_lanes_all.h"
#include "conv_direct_isa_end.h"
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
static inline float hsum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
#define ISA avx2
#define LANES_PT4 2
#define LANES_PT2 6
#define LANES_PT1 12
#define VL 8
#define RO 4
#define RQ 3
#define WO 4
#define WT 3
#define VEC __m256
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VHSUM(v) hsum_avx2(v)
#define VKEEP(v) __asm__("" : "+v"(v))
#include "conv_direct_kernels.h"
#include "conv_direct_lanes_all.h"
#include "conv_direct_isa_end.h"
#pragma GCC pop_options

// generic C: GCC vector extensions (no intrinsics, no FMA: a multiply and an add), 8 floats per vector
typedef float vgen __attribute__((vector_size(32)));
static inline vgen vgen_load(const float *p) { vgen v; memcpy(&v, p, sizeof v); return v; }
static inline void vgen_store(float *p, vgen v) { memcpy(p, &v, sizeof v); }
static inline float vgen_hsum(vgen v) {
    float s = 0;
    for (int l = 0; l < 8; l++) s += v[l];
    return s;
}
#define ISA generic
#define LANES_PT4 2
#define LANES_PT2 6
#define LANES_PT1 12
#define VL 8
#define RO 4
#define RQ 2
#define WO 2
#define WT 3
#define VEC vgen
#define VZERO() ((vgen) {0})
#define VLOAD(p) vgen_load(p)
#define VSTORE(p, v) vgen_store((p), (v))
#define VSET1(x) ((vgen) {0} + (x))
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VHSUM(v) vgen_hsum(v)
#define VKEEP(v) ((void) 0)
#include "conv_direct_kernels.h"
#include "conv_direct_lanes_all.h"
#include "conv_direct_isa_end.h"

// ---- kernel choice ---------------------------------------------------------------------------------------------

enum { KERNEL_AUTO = 0, KERNEL_GEMM = 1, KERNEL_GENERIC = 2, KERNEL_AVX2 = 3, KERNEL_AVX512 = 4 };

static const isa_kernels ISA_AVX512 = {direct_forward_avx512, direct_weight_avx512, 16, 8, 3, 4, 3,
                                       {direct_lanes_avx512_4, direct_lanes_avx512_2, direct_lanes_avx512_1}, {6, 12, 24},
        {direct_lanes_weight_avx512_4, direct_lanes_weight_avx512_2, direct_lanes_weight_avx512_1}};
static const isa_kernels ISA_AVX2 = {direct_forward_avx2, direct_weight_avx2, 8, 4, 3, 4, 3,
                                     {direct_lanes_avx2_4, direct_lanes_avx2_2, direct_lanes_avx2_1}, {2, 6, 12},
        {direct_lanes_weight_avx2_4, direct_lanes_weight_avx2_2, direct_lanes_weight_avx2_1}};
static const isa_kernels ISA_GENERIC = {direct_forward_generic, direct_weight_generic, 8, 4, 2, 2, 3,
                                        {direct_lanes_generic_4, direct_lanes_generic_2, direct_lanes_generic_1}, {2, 6, 12},
        {direct_lanes_weight_generic_4, direct_lanes_weight_generic_2, direct_lanes_weight_generic_1}};


int lethe_cpu_features(void);   // cpu_check.c
#define FEATURE_AVX2 (1 << 1)
#define FEATURE_FMA (1 << 2)
#define FEATURE_AVX512F (1 << 3)

static int cpu_has(int kernel) {
    const int f = lethe_cpu_features();
    switch (kernel) {
        case KERNEL_AVX512: return (f & FEATURE_AVX512F) != 0;
        case KERNEL_AVX2: return (f & FEATURE_AVX2) && (f & FEATURE_FMA);
        default: return 1;
    }
}

// The requested kernel (KERNEL_*), -1 until first read from LETHE_CONV_KERNEL.
static int requested = -1;

static int parse_kernel(const char *name) {
    if (!name || !*name || !strcmp(name, "auto")) return KERNEL_AUTO;
    if (!strcmp(name, "gemm")) return KERNEL_GEMM;
    if (!strcmp(name, "generic")) return KERNEL_GENERIC;
    if (!strcmp(name, "avx2")) return KERNEL_AVX2;
    if (!strcmp(name, "avx512")) return KERNEL_AVX512;
    return -1;
}

static int requested_kernel(void) {
    int r = __atomic_load_n(&requested, __ATOMIC_RELAXED);
    if (r >= 0) return r;
    r = parse_kernel(getenv("LETHE_CONV_KERNEL"));
    if (r < 0 || !cpu_has(r)) r = KERNEL_AUTO;   // Java reports a bad setting (CpuLibrary); here: the default
    __atomic_store_n(&requested, r, __ATOMIC_RELAXED);
    return r;
}

// The best instruction set of this CPU.
static int best_isa(void) {
    return cpu_has(KERNEL_AVX512) ? KERNEL_AVX512 : cpu_has(KERNEL_AVX2) ? KERNEL_AVX2 : KERNEL_GENERIC;
}

// Forces a kernel (KERNEL_* code); LETHE_ERR_ARG for an unknown code or an instruction set the CPU lacks.
LETHE_EXPORT int lethe_conv_set_kernel(int kernel) {
    if (kernel < KERNEL_AUTO || kernel > KERNEL_AVX512 || !cpu_has(kernel)) return LETHE_ERR_ARG;
    __atomic_store_n(&requested, kernel, __ATOMIC_RELAXED);
    return LETHE_OK;
}

// The requested kernel (KERNEL_*; LETHE_CONV_KERNEL read if nothing was set) and, in *isa, the instruction set
// the direct kernels run with under it (KERNEL_GENERIC..KERNEL_AVX512; KERNEL_GEMM when they never run).
LETHE_EXPORT int lethe_conv_kernel(int32_t *isa) {
    const int r = requested_kernel();
    *isa = r == KERNEL_AUTO ? best_isa() : r;
    return r;
}

static const isa_kernels *kernels_of(int isa) {
    return isa == KERNEL_AVX512 ? &ISA_AVX512 : isa == KERNEL_AVX2 ? &ISA_AVX2 : &ISA_GENERIC;
}

// Channels the kernels take (buffers and weight blocks grow with them; beyond this im2col is no worse).
#define MAX_CHANNELS 1024
// Channels beyond which "auto" leaves a layer to im2col + GEMM.
#define AUTO_MAX_CHANNELS 128

enum { OP_FORWARD, OP_INPUT, OP_WEIGHT };

// Whether "auto" runs the direct kernel of op for g (the measured rules of the header: every op of the shapes
// measured; which family runs is use_lanes's choice).
static int auto_direct(const conv_geom *g, int op) {
    (void) op;
    return g->kh == 3 && g->kw == 3 && g->dh == 1 && g->dw == 1 && g->sh == g->sw && (g->sh == 1 || g->sh == 2)
           && g->c <= AUTO_MAX_CHANNELS && g->k <= AUTO_MAX_CHANNELS && g->n >= omp_get_max_threads();
}

// The direct kernels to run for op on g, or NULL for im2col/Winograd.
static const isa_kernels *direct_for(const conv_geom *g, int op) {
    const int r = requested_kernel();
    if (r == KERNEL_GEMM) return NULL;
    if (g->c > MAX_CHANNELS || g->k > MAX_CHANNELS || g->dh < 1 || g->dw < 1) return NULL;
    if (r != KERNEL_AUTO) return kernels_of(r);
    return auto_direct(g, op) ? kernels_of(best_isa()) : NULL;
}

// ---- flat planes ---------------------------------------------------------------------------------------------

// The forward layout of one convolution: phase planes [s*s][hq][wq] per channel, channel stride cs, tap
// offsets off[taps (padded)], flat outputs q in [0, ld).
typedef struct {
    int64_t sh, sw, hq, wq, cs, q, ld, taps, taps_padded;
} flat_layout;

static flat_layout forward_layout(const conv_geom *g, int64_t ld_multiple, int64_t tap_multiple) {
    flat_layout f;
    f.sh = g->sh;
    f.sw = g->sw;
    f.hq = ceil_div(g->h + 2 * g->ph, g->sh);
    f.wq = ceil_div(g->w + 2 * g->pw, g->sw);
    f.q = g->oh * f.wq;
    f.ld = round_up(f.q, ld_multiple);
    // every read (q < ld, q + off[t]) stays inside the channel: off[t] < the phase planes
    f.cs = round_up(g->sh * g->sw * f.hq * f.wq + f.ld + 1, 16);
    f.taps = g->kh * g->kw;
    f.taps_padded = round_up(f.taps, tap_multiple);
    return f;
}

// off[t] for each tap (i, j) in row-major order; padded taps read offset 0 (their weights are zero or their
// sums are dropped).
static void forward_offsets(const conv_geom *g, const flat_layout *f, int64_t *off) {
    const int64_t plane = f->hq * f->wq;
    for (int64_t i = 0; i < g->kh; i++)
        for (int64_t j = 0; j < g->kw; j++) {
            const int64_t ii = i * g->dh, jj = j * g->dw;
            off[i * g->kw + j] = ((ii % f->sh) * f->sw + jj % f->sw) * plane + (ii / f->sh) * f->wq + jj / f->sw;
        }
    for (int64_t t = f->taps; t < f->taps_padded; t++) off[t] = 0;
}

// src [C][cs] of one sample x [C, H, W]: the zero-padded planes split into phases, zeros after them.
static void build_source(const conv_geom *g, const flat_layout *f, const float *x, float *src) {
    const int64_t plane = f->hq * f->wq, wp = g->w + 2 * g->pw;
    for (int64_t c = 0; c < g->c; c++) {
        float *dst = src + c * f->cs;
        const float *xc = x + c * g->h * g->w;
        if (f->sh == 1 && f->sw == 1) {   // one phase: rows of the padded plane
            memset(dst, 0, (size_t) (g->ph * wp) * sizeof(float));
            for (int64_t y = 0; y < g->h; y++) {
                float *row = dst + (y + g->ph) * wp;
                for (int64_t xx = 0; xx < g->pw; xx++) row[xx] = 0;
                memcpy(row + g->pw, xc + y * g->w, (size_t) g->w * sizeof(float));
                for (int64_t xx = g->pw + g->w; xx < wp; xx++) row[xx] = 0;
            }
            memset(dst + (g->ph + g->h) * wp, 0, (size_t) (f->cs - (g->ph + g->h) * wp) * sizeof(float));
            continue;
        }
        memset(dst, 0, (size_t) f->cs * sizeof(float));
        for (int64_t y = 0; y < g->h; y++) {
            const int64_t yy = y + g->ph;
            float *rows = dst + (yy % f->sh) * f->sw * plane + (yy / f->sh) * f->wq;
            const float *from = xc + y * g->w;
            // phase b, column v holds padded column s v + b, input column s v + b - pw
            for (int64_t b = 0; b < f->sw; b++) {
                const int64_t v_lo = ceil_div(max_i64(0, g->pw - b), f->sw), v_hi = ceil_div(g->w + g->pw - b, f->sw);
                float *restrict to = rows + b * plane;
                const float *restrict at = from + b - g->pw;
                for (int64_t v = v_lo; v < v_hi; v++) to[v] = at[f->sw * v];
            }
        }
    }
}

// ---- forward -------------------------------------------------------------------------------------------------

// wb [O/RO][I][T][RO] from the weight of output channel o, input i, tap t at w[o os + i is + tap[t]].
static void block_weights(const float *w, int64_t o_count, int64_t o_padded, int64_t in, int64_t os, int64_t is,
                          const int64_t *tap, int64_t taps, int64_t ro, float *wb) {
    for (int64_t ob = 0; ob < o_padded / ro; ob++)
        for (int64_t i = 0; i < in; i++)
            for (int64_t t = 0; t < taps; t++)
                for (int64_t r = 0; r < ro; r++) {
                    const int64_t o = ob * ro + r;
                    wb[((ob * in + i) * taps + t) * ro + r] = o < o_count ? w[o * os + i * is + tap[t]] : 0.0f;
                }
}

// Whether the channels-in-lanes kernels compute g (else the flat ones): small planes, where the flat kernels'
// vectors of consecutive positions would be mostly padding, and at least two vectors of output channels, where
// a tile reads few weight vectors per broadcast input.
static int use_lanes(const conv_geom *g, const isa_kernels *isa) {
    return g->oh * g->ow < LANES_MAX_PLANE || g->k >= 2 * isa->vl;
}

int conv_direct_forward(const conv_geom *g, const float *x, const float *w, const float *bias, float *out,
                        int *handled) {
    const isa_kernels *isa = direct_for(g, OP_FORWARD);
    *handled = isa != NULL;
    if (!isa) return LETHE_OK;
    if (use_lanes(g, isa)) return conv_lanes_forward(g, isa, x, w, bias, out);
    const flat_layout f = forward_layout(g, (int64_t) isa->rq * isa->vl, 1);
    const int64_t kp = round_up(g->k, isa->ro), taps = f.taps;
    int64_t *offs = malloc((size_t) taps * sizeof(int64_t)), *tap = malloc((size_t) taps * sizeof(int64_t));
    float *wb = thread_workspace(WS_WINOGRAD_WEIGHTS, (size_t) (kp * g->c * taps) * sizeof(float));
    if (!offs || !tap || !wb) {
        free(offs);
        free(tap);
        return LETHE_ERR_NOMEM;
    }
    forward_offsets(g, &f, offs);
    for (int64_t t = 0; t < taps; t++) tap[t] = t;
    block_weights(w, g->k, kp, g->c, g->c * taps, taps, tap, taps, isa->ro, wb);
    const int64_t x_size = g->c * g->h * g->w, out_size = g->k * g->oh * g->ow;
    int failed = 0;
#pragma omp parallel if (g->n > 1)
    {
        float *src = thread_workspace(WS_COL, (size_t) (g->c * f.cs) * sizeof(float));
        float *dst = thread_workspace(WS_CHUNK, (size_t) (kp * f.ld) * sizeof(float));
        if (!src || !dst) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t n = 0; n < g->n; n++) {
            if (!src || !dst) continue;
            build_source(g, &f, x + n * x_size, src);
            isa->forward(kp, g->c, taps, offs, wb, src, f.cs, dst, f.ld);
            for (int64_t k = 0; k < g->k; k++) {
                const float b = bias ? bias[k] : 0.0f;
                float *o = out + n * out_size + k * g->oh * g->ow;
                const float *d = dst + k * f.ld;
                for (int64_t oy = 0; oy < g->oh; oy++)
                    for (int64_t ox = 0; ox < g->ow; ox++) o[oy * g->ow + ox] = d[oy * f.wq + ox] + b;
            }
        }
    }
    free(offs);
    free(tap);
    return failed ? LETHE_ERR_NOMEM : LETHE_OK;
}

// ---- input gradient ---------------------------------------------------------------------------------------------

int conv_direct_backward_input(const conv_geom *g, const float *dy, const float *w, float *dx, int *handled) {
    // stride 1 where the lanes kernel would run the flipped-kernel forward convolution (dx has C channels):
    // left to conv.c, whose input_grad_by_convolution calls conv_forward and so the lanes kernel
    const int flippable = g->sh == 1 && g->sw == 1 && g->ph <= g->dh * (g->kh - 1) && g->pw <= g->dw * (g->kw - 1);
    const isa_kernels *isa = direct_for(g, OP_INPUT);
    if (isa && flippable && (g->h * g->w < LANES_MAX_PLANE || g->c >= 2 * isa->vl)) isa = NULL;
    *handled = isa != NULL && g->kh * g->kw <= 64;
    if (!*handled) return LETHE_OK;
    const int64_t s_h = g->sh, s_w = g->sw, taps = g->kh * g->kw;
    // dy padded by pt rows on top and pl columns on the left: pt = max over taps of ii / s
    const int64_t pt = (g->dh * (g->kh - 1)) / s_h, pl = (g->dw * (g->kw - 1)) / s_w;
    const int64_t nph = s_h * s_w;
    dx_phase *ph = malloc((size_t) nph * sizeof(dx_phase));
    if (!ph) return LETHE_ERR_NOMEM;
    int64_t wd = 0, rows = 0, max_taps = 0, max_q = 0;
    for (int64_t a = 0; a < s_h; a++)
        for (int64_t b = 0; b < s_w; b++) {
            dx_phase *p = &ph[a * s_w + b];
            p->a = a;
            p->b = b;
            p->u0 = max_i64(0, ceil_div(g->ph - a, s_h));
            p->u1 = max_i64(p->u0, ceil_div(g->ph + g->h - a, s_h));
            p->v0 = max_i64(0, ceil_div(g->pw - b, s_w));
            p->v1 = max_i64(p->v0, ceil_div(g->pw + g->w - b, s_w));
            p->taps = 0;
            for (int64_t i = 0; i < g->kh; i++)
                for (int64_t j = 0; j < g->kw; j++)
                    if ((i * g->dh) % s_h == a && (j * g->dw) % s_w == b) p->tap[p->taps++] = i * g->kw + j;
            wd = max_i64(wd, pl + max_i64(g->ow, p->v1));
            rows = max_i64(rows, pt + max_i64(g->oh, p->u1) + 1);
            max_taps = max_i64(max_taps, p->taps);
        }
    if (g->h * g->w < LANES_MAX_PLANE || g->c >= 2 * isa->vl) {
        const int status = conv_lanes_backward_input(g, isa, ph, nph, max_taps, pt, pl, rows, wd, dy, w, dx);
        free(ph);
        return status;
    }
    for (int64_t k = 0; k < nph; k++) max_q = max_i64(max_q, (ph[k].u1 - ph[k].u0) * wd);
    const int64_t ld = round_up(max_q, (int64_t) isa->rq * isa->vl), cs = round_up(rows * wd + ld + wd, 16);
    const int64_t cp = round_up(g->c, isa->ro);
    // per phase: blocked weights [C/RO][K][taps][RO] and offsets
    float *wb = thread_workspace(WS_WINOGRAD_WEIGHTS, (size_t) (nph * cp * g->k * max_i64(1, max_taps)) * sizeof(float));
    int64_t *offs = malloc((size_t) (nph * max_i64(1, max_taps)) * sizeof(int64_t));
    if (!wb || !offs) {
        free(ph);
        free(offs);
        return LETHE_ERR_NOMEM;
    }
    for (int64_t k = 0; k < nph; k++) {
        const dx_phase *p = &ph[k];
        // w[kk][c][tap]: output channel c (stride taps), input channel kk (stride C taps)
        block_weights(w, g->c, cp, g->k, taps, g->c * taps, p->tap, p->taps, isa->ro, wb + k * cp * g->k * max_taps);
        for (int64_t t = 0; t < p->taps; t++) {
            const int64_t ii = (p->tap[t] / g->kw) * g->dh, jj = (p->tap[t] % g->kw) * g->dw;
            offs[k * max_taps + t] = (p->u0 + pt - ii / s_h) * wd + (p->v0 + pl - jj / s_w);
        }
    }
    const int64_t x_size = g->c * g->h * g->w, dy_size = g->k * g->oh * g->ow;
    int failed = 0;
#pragma omp parallel if (g->n > 1)
    {
        float *src = thread_workspace(WS_COL, (size_t) (g->k * cs) * sizeof(float));
        float *dst = thread_workspace(WS_CHUNK, (size_t) (cp * ld) * sizeof(float));
        if (!src || !dst) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t n = 0; n < g->n; n++) {
            if (!src || !dst) continue;
            // dy planes, padded by pt rows / pl columns in front, zeros everywhere else
            memset(src, 0, (size_t) (g->k * cs) * sizeof(float));
            for (int64_t k = 0; k < g->k; k++)
                for (int64_t y = 0; y < g->oh; y++)
                    memcpy(src + k * cs + (y + pt) * wd + pl, dy + n * dy_size + (k * g->oh + y) * g->ow,
                           (size_t) g->ow * sizeof(float));
            float *dxn = dx + n * x_size;
            for (int64_t k = 0; k < nph; k++) {
                const dx_phase *p = &ph[k];
                if (p->u1 <= p->u0 || p->v1 <= p->v0) continue;
                const int64_t q = (p->u1 - p->u0) * wd, pld = round_up(q, (int64_t) isa->rq * isa->vl);
                if (p->taps == 0) {   // no tap reaches this phase: its pixels get no gradient
                    for (int64_t c = 0; c < g->c; c++)
                        for (int64_t u = p->u0; u < p->u1; u++)
                            for (int64_t v = p->v0; v < p->v1; v++)
                                dxn[(c * g->h + s_h * u + p->a - g->ph) * g->w + s_w * v + p->b - g->pw] = 0.0f;
                    continue;
                }
                isa->forward(cp, g->k, p->taps, offs + k * max_taps, wb + k * cp * g->k * max_taps, src, cs, dst, pld);
                for (int64_t c = 0; c < g->c; c++) {
                    const float *d = dst + c * pld;
                    for (int64_t u = p->u0; u < p->u1; u++) {
                        float *row = dxn + (c * g->h + s_h * u + p->a - g->ph) * g->w + p->b - g->pw;
                        const float *from = d + (u - p->u0) * wd - p->v0;
                        if (s_w == 1) memcpy(row + p->v0, from + p->v0, (size_t) (p->v1 - p->v0) * sizeof(float));
                        else for (int64_t v = p->v0; v < p->v1; v++) row[s_w * v] = from[v];
                    }
                }
            }
        }
    }
    free(ph);
    free(offs);
    return failed ? LETHE_ERR_NOMEM : LETHE_OK;
}

// ---- weight gradient -------------------------------------------------------------------------------------------

// Bytes of one chunk's sources and flat dy together. Small enough for one sample of a 16-channel 28x28 layer
// (116 KB): each (output block, input channel, tap block) then streams 4 dy rows and one source channel (18 KB)
// from L1 instead of a whole chunk's from L2. Single thread, 64 samples, 16->16 28x28: 768 KB chunks (6 samples)
// 46 us/img, one-sample chunks 36, and with VKEEP 31.
#define WEIGHT_CHUNK_BUDGET (120 * 1024)

int conv_direct_backward_weight(const conv_geom *g, const float *dy, const float *x, float *dw, int *handled) {
    const isa_kernels *isa = direct_for(g, OP_WEIGHT);
    *handled = isa != NULL;
    if (!isa) return LETHE_OK;
    if (use_lanes(g, isa)) return conv_lanes_weight(g, isa, dy, x, dw);
    const flat_layout f = forward_layout(g, isa->vl, isa->wt);
    const int64_t kp = round_up(g->k, isa->wo), tp = f.taps_padded, part = kp * g->c * tp;
    const int64_t per_sample = g->c * f.cs + kp * f.ld;
    const int64_t chunk = max_i64(1, min_i64(g->n, WEIGHT_CHUNK_BUDGET / (per_sample * (int64_t) sizeof(float))));
    int64_t *offs = malloc((size_t) tp * sizeof(int64_t));
    if (!offs) return LETHE_ERR_NOMEM;
    forward_offsets(g, &f, offs);
    const int64_t threads = omp_get_max_threads();
    const int64_t groups = max_i64(1, min_i64(g->n, min_i64(4 * threads, max_i64(threads, PARTIAL_BUDGET / (part * 4)))));
    float *partial = thread_workspace(WS_PARTIAL, (size_t) (groups * part) * sizeof(float));
    if (!partial) {
        free(offs);
        return LETHE_ERR_NOMEM;
    }
    const int64_t x_size = g->c * g->h * g->w, dy_size = g->k * g->oh * g->ow;
    int failed = 0;
#pragma omp parallel if (groups > 1)
    {
        float *src = thread_workspace(WS_COL, (size_t) (chunk * g->c * f.cs) * sizeof(float));
        float *dyf = thread_workspace(WS_CHUNK, (size_t) (chunk * kp * f.ld) * sizeof(float));
        const int ok = src && dyf;
        if (!ok) failed = 1;
        if (dyf) memset(dyf, 0, (size_t) (chunk * kp * f.ld) * sizeof(float));
#pragma omp for schedule(dynamic, 1)
        for (int64_t group = 0; group < groups; group++) {
            float *sum = partial + group * part;
            memset(sum, 0, (size_t) part * sizeof(float));
            const int64_t end = g->n * (group + 1) / groups;
            for (int64_t n0 = g->n * group / groups; ok && n0 < end; n0 += chunk) {
                const int64_t count = min_i64(chunk, end - n0);
                for (int64_t m = 0; m < count; m++) {
                    build_source(g, &f, x + (n0 + m) * x_size, src + m * g->c * f.cs);
                    // dy_k flat: dy[k][oy][ox] at oy WQ + ox, zero elsewhere (the zeros stay from the memset)
                    float *d = dyf + m * kp * f.ld;
                    for (int64_t k = 0; k < g->k; k++)
                        for (int64_t oy = 0; oy < g->oh; oy++)
                            memcpy(d + k * f.ld + oy * f.wq, dy + (n0 + m) * dy_size + (k * g->oh + oy) * g->ow,
                                   (size_t) g->ow * sizeof(float));
                }
                isa->weight(kp, g->c, tp, offs, dyf, f.ld, kp * f.ld, src, f.cs, g->c * f.cs, count, sum);
            }
        }
    }
    free(offs);
    if (failed) return LETHE_ERR_NOMEM;
    for (int64_t t = 1; t < groups; t++) {
        float *restrict into = partial;
        const float *restrict from = partial + t * part;
        for (int64_t i = 0; i < part; i++) into[i] += from[i];
    }
    for (int64_t k = 0; k < g->k; k++)
        for (int64_t c = 0; c < g->c; c++)
            memcpy(dw + (k * g->c + c) * f.taps, partial + (k * g->c + c) * tp, (size_t) f.taps * sizeof(float));
    return LETHE_OK;
}
