// conv.cu: 2-D convolution of contiguous float32 NCHW tensors (KCRS weights; strides, paddings, dilations; no
// groups) and its two gradients, as implicit GEMMs: no im2col buffer, each operand tile is gathered from the tensor
// into shared memory as it is needed. CPU references: ai.lethe.backend.ref (double) and native/conv.c; parity in
// CudaNnParityTest and the conformance suite. (cuDNN, when present on a GPU, is a later alternative to these.)
//
//   forward          out[n, k, oy, ox]  = sum_{c, r, s} w[k, c, r, s] * x[n, c, oy*sh - ph + r*dh, ox*sw - pw + s*dw]
//                                         (+ bias[k])            GEMM: M = K, N = N*OH*OW, R = C*KH*KW
//   backward input   dx[n, c, iy, ix]   = sum_{k, r, s} w[k, c, r, s] * dy[n, k, oy, ox] over the (oy, ox) with
//                                         oy*sh - ph + r*dh = iy (and the same for x)   M = C, N = N*H*W, R = K*KH*KW
//   backward weight  dw[k, c, r, s]     = sum_{n, oy, ox} dy[n, k, oy, ox] * x[n, c, iy, ix]
//                                                                   GEMM: M = K, N = C*KH*KW, R = N*OH*OW
// Launch: grid (ceil(N / BN), ceil(M / BM)), 256 threads; each block computes a BM x BN output tile (64 x 64, or
// 16 x 256 for M <= 16 and N >= 256: the *_narrow kernels), each thread 4 x 4 of it, stepping through R 16 at a
// time with both operand tiles in static shared memory (16 * (BM + BN) floats: 8 or 17 KiB). The weight gradient,
// whose R = N*OH*OW is long and whose output is small, also splits R over grid.z (CudaNn picks the splits: about
// 256 blocks in all, at least 256 terms a split); the splits' partial tiles are added in a fixed order by
// conv2d_sum_splits_f32. No atomics: the same bits on every run. Sums are serial fmaf chains in float over R (or
// R / splits) terms (accuracy: about that length times 2^-24 times the sum of |terms| in the worst case, its square
// root times 2^-24 typically; the parity tests hold it to 1e-5 relative).
// Precision (ai.lethe.backend.Precision; precision.cuh codes, the last argument of every conv kernel): each operand
// value is rounded to TF32 or bf16 as it is loaded into shared memory (PREC_FP32: as it is), then multiplied exactly
// and accumulated in float32 as above: the result of the rounded problem, as on tensor cores, to float32 summation.
// The geometry's sizes fit in 31 bits (CudaNn checks N*OH*OW, N*H*W, C*KH*KW, K*KH*KW and the padded extents);
// element offsets into the tensors are 64-bit.
#include "lethe_device.cuh"
#include "nn_common.cuh"
#include "precision.cuh"
#include "strided.cuh"

#define NN_CONV_BK 16

#define NN_CONV_FORWARD 0
#define NN_CONV_BACKWARD_INPUT 1
#define NN_CONV_BACKWARD_WEIGHT 2

struct NnConvSizes {
    int n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};

static __device__ __forceinline__ NnConvSizes nn_conv_sizes(const NnConvGeometry& g) {
    NnConvSizes z;
    z.n = (int)g.n; z.c = (int)g.c; z.h = (int)g.h; z.w = (int)g.w; z.k = (int)g.k; z.kh = (int)g.kh;
    z.kw = (int)g.kw; z.sh = (int)g.sh; z.sw = (int)g.sw; z.ph = (int)g.ph; z.pw = (int)g.pw; z.dh = (int)g.dh;
    z.dw = (int)g.dw; z.oh = (int)g.oh; z.ow = (int)g.ow;
    return z;
}

// x[n, c, y, x], 0 in the padding.
static __device__ __forceinline__ float nn_conv_x_at(const float* x, const NnConvSizes& z, int n, int c, int y,
                                                    int xx) {
    if (y < 0 || y >= z.h || xx < 0 || xx >= z.w) return 0.0f;
    return x[(((long long)n * z.c + c) * z.h + y) * z.w + xx];
}

// The GEMM's left operand A[m, r].
template <int MODE>
static __device__ __forceinline__ float nn_conv_a(const float* a, const NnConvSizes& z, int m, int r) {
    if (MODE == NN_CONV_FORWARD) {   // w[k = m, (c, r, s) = r]
        return a[(long long)m * (z.c * z.kh * z.kw) + r];
    } else if (MODE == NN_CONV_BACKWARD_INPUT) {   // w[k, c = m, kr, ks] with r = (k, kr, ks)
        int khw = z.kh * z.kw, k = r / khw, q = r - k * khw;
        return a[((long long)k * z.c + m) * khw + q];
    } else {   // dy[n, k = m, oy, ox] with r = (n, oy, ox)
        int ohw = z.oh * z.ow, n = r / ohw, q = r - n * ohw;
        return a[((long long)n * z.k + m) * ohw + q];
    }
}

// What a column of the right operand B fixes, decoded once per thread (a thread loads the same column at every
// step of the reduction): forward (n, oy*sh - ph, ox*sw - pw); backward input (n, iy + ph, ix + pw); backward
// weight (c, kr*dh - ph, ks*dw - pw).
struct NnConvColumn {
    int index, y, x;
};

template <int MODE>
static __device__ __forceinline__ NnConvColumn nn_conv_column(const NnConvSizes& z, int col) {
    NnConvColumn k;
    if (MODE == NN_CONV_FORWARD) {
        int ohw = z.oh * z.ow, n = col / ohw, p = col - n * ohw, oy = p / z.ow, ox = p - oy * z.ow;
        k.index = n;
        k.y = oy * z.sh - z.ph;
        k.x = ox * z.sw - z.pw;
    } else if (MODE == NN_CONV_BACKWARD_INPUT) {
        int hw = z.h * z.w, n = col / hw, p = col - n * hw, iy = p / z.w, ix = p - iy * z.w;
        k.index = n;
        k.y = iy + z.ph;
        k.x = ix + z.pw;
    } else {
        int khw = z.kh * z.kw, c = col / khw, q = col - c * khw, kr = q / z.kw, ks = q - kr * z.kw;
        k.index = c;
        k.y = kr * z.dh - z.ph;
        k.x = ks * z.dw - z.pw;
    }
    return k;
}

// The GEMM's right operand B[r, col], col decoded in k.
template <int MODE>
static __device__ __forceinline__ float nn_conv_b(const float* b, const NnConvSizes& z, int r, const NnConvColumn& k) {
    if (MODE == NN_CONV_FORWARD) {   // x[n, c, oy*sh - ph + kr*dh, ox*sw - pw + ks*dw] with (c, kr, ks) = r
        int khw = z.kh * z.kw, c = r / khw, q = r - c * khw, kr = q / z.kw, ks = q - kr * z.kw;
        return nn_conv_x_at(b, z, k.index, c, k.y + kr * z.dh, k.x + ks * z.dw);
    } else if (MODE == NN_CONV_BACKWARD_INPUT) {   // dy[n, kk, oy, ox] with (kk, kr, ks) = r, oy*sh = iy + ph - kr*dh
        int khw = z.kh * z.kw, kk = r / khw, q = r - kk * khw, kr = q / z.kw, ks = q - kr * z.kw;
        int ty = k.y - kr * z.dh, tx = k.x - ks * z.dw;
        if (ty < 0 || tx < 0) return 0.0f;
        int oy = ty / z.sh, ox = tx / z.sw;
        if (oy * z.sh != ty || ox * z.sw != tx || oy >= z.oh || ox >= z.ow) return 0.0f;
        return b[(((long long)k.index * z.k + kk) * z.oh + oy) * z.ow + ox];
    } else {   // x[n, c, oy*sh + kr*dh - ph, ox*sw + ks*dw - pw] with (n, oy, ox) = r
        int ohw = z.oh * z.ow, n = r / ohw, p = r - n * ohw, oy = p / z.ow, ox = p - oy * z.ow;
        return nn_conv_x_at(b, z, n, k.index, oy * z.sh + k.y, ox * z.sw + k.x);
    }
}

// Writes the GEMM's result C[m, col] (+ bias[m] in the forward).
template <int MODE>
static __device__ __forceinline__ void nn_conv_store(float* out, const float* bias, const NnConvSizes& z, int m,
                                                     int col, float v) {
    if (MODE == NN_CONV_FORWARD) {
        int ohw = z.oh * z.ow, n = col / ohw, p = col - n * ohw;
        out[((long long)n * z.k + m) * ohw + p] = bias ? v + bias[m] : v;
    } else if (MODE == NN_CONV_BACKWARD_INPUT) {
        int hw = z.h * z.w, n = col / hw, p = col - n * hw;
        out[((long long)n * z.c + m) * hw + p] = v;
    } else {
        out[(long long)m * (z.c * z.kh * z.kw) + col] = v;
    }
}

// One BM x BN tile of C = A B (M x N) over the reduction indices [r_begin, r_end) (r_begin a multiple of NN_CONV_BK),
// by 256 threads: (BM / 4) x (BN / 4) of them, each 4 x 4 outputs (rows ty + BM/4 * i, columns tx + BN/4 * j);
// as[NN_CONV_BK][BM] and bs[NN_CONV_BK][BN] in shared memory. BM * BN = 4096: 64 x 64, or 16 x 256 (narrow: for
// M <= 16 and N >= 256, e.g. a first layer's 3 input channels, where a 64-row tile would compute mostly padding).
template <int MODE, int BM, int BN>
static __device__ __forceinline__ void nn_conv_gemm_tile(const float* a, const float* b, const float* bias, float* out,
                                                         const NnConvSizes& z, int M, int N, int r_begin, int r_end,
                                                         float (*as)[BM], float (*bs)[BN], int precision) {
    static_assert(BM * BN == 16 * 256 && BN % 4 == 0 && BM % 4 == 0, "256 threads of 4 x 4 outputs");
    static_assert((BM * NN_CONV_BK) % 256 == 0 && 256 % BN == 0, "whole loads per thread");
    constexpr int TX = BN / 4, TY = BM / 4;
    int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
    int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    // this thread loads column b_nn of every B tile (256 is a multiple of BN)
    int b_nn = tid % BN;
    bool b_live = n0 + b_nn < N;
    NnConvColumn column = nn_conv_column<MODE>(z, b_live ? n0 + b_nn : 0);
    for (int r0 = r_begin; r0 < r_end; r0 += NN_CONV_BK) {
#pragma unroll
        for (int e0 = 0; e0 < BM * NN_CONV_BK; e0 += 256) {
            int e = e0 + tid, kk = e % NN_CONV_BK, mm = e / NN_CONV_BK;
            int m = m0 + mm, r = r0 + kk;
            as[kk][mm] = (m < M && r < r_end) ? prec_round(nn_conv_a<MODE>(a, z, m, r), precision) : 0.0f;
        }
#pragma unroll 1   // unrolled, the forward spills on sm_80
        for (int kk = tid / BN; kk < NN_CONV_BK; kk += 256 / BN) {
            int r = r0 + kk;
            bs[kk][b_nn] = (b_live && r < r_end) ? prec_round(nn_conv_b<MODE>(b, z, r, column), precision) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < NN_CONV_BK; kk++) {
            float av[4], bv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) av[i] = as[kk][ty + TY * i];
#pragma unroll
            for (int j = 0; j < 4; j++) bv[j] = bs[kk][tx + TX * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int m = m0 + ty + TY * i;
        if (m >= M) continue;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int col = n0 + tx + TX * j;
            if (col < N) nn_conv_store<MODE>(out, bias, z, m, col, acc[i][j]);
        }
    }
}

template <int BM, int BN>
static __device__ __forceinline__ void nn_conv_forward(const float* x, const float* w, const float* bias, float* out,
                                                       const NnConvGeometry& g, int precision) {
    __shared__ float as[NN_CONV_BK][BM];
    __shared__ float bs[NN_CONV_BK][BN];
    NnConvSizes z = nn_conv_sizes(g);
    nn_conv_gemm_tile<NN_CONV_FORWARD, BM, BN>(w, x, bias, out, z, z.k, z.n * z.oh * z.ow, 0, z.c * z.kh * z.kw, as,
                                               bs, precision);
}

template <int BM, int BN>
static __device__ __forceinline__ void nn_conv_backward_input(const float* dy, const float* w, float* dx,
                                                              const NnConvGeometry& g, int precision) {
    __shared__ float as[NN_CONV_BK][BM];
    __shared__ float bs[NN_CONV_BK][BN];
    NnConvSizes z = nn_conv_sizes(g);
    nn_conv_gemm_tile<NN_CONV_BACKWARD_INPUT, BM, BN>(w, dy, nullptr, dx, z, z.c, z.n * z.h * z.w, 0, z.k * z.kh * z.kw,
                                                      as, bs, precision);
}

// Split over the reduction (grid.z = splits): block z sums the reduction indices [z * r_chunk, (z + 1) * r_chunk)
// into its own slice of out, out + z * K * C * KH * KW (with one split, out is dw itself; with more, a workspace that
// conv2d_sum_splits_f32 then adds up in a fixed order). r_chunk: a multiple of NN_CONV_BK.
template <int BM, int BN>
static __device__ __forceinline__ void nn_conv_backward_weight(const float* dy, const float* x, float* out,
                                                               const NnConvGeometry& g, int r_chunk, int precision) {
    __shared__ float as[NN_CONV_BK][BM];
    __shared__ float bs[NN_CONV_BK][BN];
    NnConvSizes z = nn_conv_sizes(g);
    int crs = z.c * z.kh * z.kw, r_total = z.n * z.oh * z.ow;
    int r_begin = blockIdx.z * r_chunk;
    int r_end = r_total - r_begin < r_chunk ? r_total : r_begin + r_chunk;
    float* slice = out + (long long)blockIdx.z * z.k * crs;
    nn_conv_gemm_tile<NN_CONV_BACKWARD_WEIGHT, BM, BN>(dy, x, nullptr, slice, z, z.k, crs, r_begin, r_end, as, bs,
                                                       precision);
}

// The kernels: 64 x 64 tiles, and the narrow 16 x 256 ones for M <= 16 and N >= 256 (CudaNn picks).
LETHE_KERNEL(conv2d_forward_f32, 256,
             const float* __restrict__ x,     // [n, c, h, w]
             const float* __restrict__ w,     // [k, c, kh, kw]
             const float* __restrict__ bias,  // [k] or null
             float* __restrict__ out,         // [n, k, oh, ow]
             NnConvGeometry g, int precision) {
    nn_conv_forward<64, 64>(x, w, bias, out, g, precision);
}

LETHE_KERNEL(conv2d_forward_narrow_f32, 256,
             const float* __restrict__ x,     // [n, c, h, w]
             const float* __restrict__ w,     // [k, c, kh, kw]
             const float* __restrict__ bias,  // [k] or null
             float* __restrict__ out,         // [n, k, oh, ow]
             NnConvGeometry g, int precision) {
    nn_conv_forward<16, 256>(x, w, bias, out, g, precision);
}

LETHE_KERNEL(conv2d_backward_input_f32, 256,
             const float* __restrict__ dy,  // [n, k, oh, ow]
             const float* __restrict__ w,   // [k, c, kh, kw]
             float* __restrict__ dx,        // [n, c, h, w]
             NnConvGeometry g, int precision) {
    nn_conv_backward_input<64, 64>(dy, w, dx, g, precision);
}

LETHE_KERNEL(conv2d_backward_input_narrow_f32, 256,
             const float* __restrict__ dy,  // [n, k, oh, ow]
             const float* __restrict__ w,   // [k, c, kh, kw]
             float* __restrict__ dx,        // [n, c, h, w]
             NnConvGeometry g, int precision) {
    nn_conv_backward_input<16, 256>(dy, w, dx, g, precision);
}

LETHE_KERNEL(conv2d_backward_weight_f32, 256,
             const float* __restrict__ dy,  // [n, k, oh, ow]
             const float* __restrict__ x,   // [n, c, h, w]
             float* __restrict__ out,       // [splits, k, c, kh, kw]
             NnConvGeometry g, int r_chunk, int precision) {
    nn_conv_backward_weight<64, 64>(dy, x, out, g, r_chunk, precision);
}

LETHE_KERNEL(conv2d_backward_weight_narrow_f32, 256,
             const float* __restrict__ dy,  // [n, k, oh, ow]
             const float* __restrict__ x,   // [n, c, h, w]
             float* __restrict__ out,       // [splits, k, c, kh, kw]
             NnConvGeometry g, int r_chunk, int precision) {
    nn_conv_backward_weight<16, 256>(dy, x, out, g, r_chunk, precision);
}

// out[i] = sum over s < splits of partial[s, i], in order s = 0, 1, ... (the same bits on every run).
LETHE_KERNEL(conv2d_sum_splits_f32, 256,
             const float* __restrict__ partial,  // [splits, n]
             float* __restrict__ out,            // [n]
             int splits, long long n) {
    for (long long i = grid_first(); i < n; i += grid_step()) {
        float acc = 0.0f;
        for (int s = 0; s < splits; s++) acc += partial[s * n + i];
        out[i] = acc;
    }
}
