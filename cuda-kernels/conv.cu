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
// Launch (all three): grid (ceil(N / 64), ceil(M / 64)), 256 threads; each block computes a 64 x 64 output tile,
// each thread 4 x 4 of it (rows ty + 16 i, columns tx + 16 j), stepping through R 16 at a time with both operand
// tiles in static shared memory (2 * 16 * 64 floats = 8 KiB). Every output is written exactly once (no atomics:
// the same bits on every run). Sums are serial fmaf chains in float over R terms (accuracy: about R * 2^-24 times
// the sum of |terms| in the worst case, sqrt(R) * 2^-24 typically; the parity tests hold it to 1e-5 relative).
// The geometry's sizes fit in 31 bits (CudaNn checks N*OH*OW, N*H*W, C*KH*KW, K*KH*KW and the padded extents);
// element offsets into the tensors are 64-bit.
#include "lethe_device.cuh"
#include "nn_common.cuh"

#define CONV_BM 64
#define CONV_BN 64
#define CONV_BK 16

#define CONV_FORWARD 0
#define CONV_BACKWARD_INPUT 1
#define CONV_BACKWARD_WEIGHT 2

struct ConvSizes {
    int n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};

static __device__ __forceinline__ ConvSizes conv_sizes(const NnConvGeometry& g) {
    ConvSizes z;
    z.n = (int)g.n; z.c = (int)g.c; z.h = (int)g.h; z.w = (int)g.w; z.k = (int)g.k; z.kh = (int)g.kh;
    z.kw = (int)g.kw; z.sh = (int)g.sh; z.sw = (int)g.sw; z.ph = (int)g.ph; z.pw = (int)g.pw; z.dh = (int)g.dh;
    z.dw = (int)g.dw; z.oh = (int)g.oh; z.ow = (int)g.ow;
    return z;
}

// x[n, c, oy*sh - ph + r*dh, ox*sw - pw + s*dw], 0 in the padding.
static __device__ __forceinline__ float conv_input_at(const float* x, const ConvSizes& z, int n, int c, int oy, int ox,
                                                      int r, int s) {
    int iy = oy * z.sh - z.ph + r * z.dh, ix = ox * z.sw - z.pw + s * z.dw;
    if (iy < 0 || iy >= z.h || ix < 0 || ix >= z.w) return 0.0f;
    return x[(((long long)n * z.c + c) * z.h + iy) * z.w + ix];
}

// The GEMM's left operand A[m, r].
template <int MODE>
static __device__ __forceinline__ float conv_a(const float* a, const ConvSizes& z, int m, int r) {
    if (MODE == CONV_FORWARD) {   // w[k = m, (c, r, s) = r]
        return a[(long long)m * (z.c * z.kh * z.kw) + r];
    } else if (MODE == CONV_BACKWARD_INPUT) {   // w[k, c = m, kr, ks] with r = (k, kr, ks)
        int khw = z.kh * z.kw, k = r / khw, q = r - k * khw;
        return a[((long long)k * z.c + m) * khw + q];
    } else {   // dy[n, k = m, oy, ox] with r = (n, oy, ox)
        int ohw = z.oh * z.ow, n = r / ohw, q = r - n * ohw;
        return a[((long long)n * z.k + m) * ohw + q];
    }
}

// The GEMM's right operand B[r, col].
template <int MODE>
static __device__ __forceinline__ float conv_b(const float* b, const ConvSizes& z, int r, int col) {
    if (MODE == CONV_FORWARD) {   // x at (c, kr, ks) = r, (n, oy, ox) = col
        int khw = z.kh * z.kw, c = r / khw, q = r - c * khw, kr = q / z.kw, ks = q - kr * z.kw;
        int ohw = z.oh * z.ow, n = col / ohw, p = col - n * ohw, oy = p / z.ow, ox = p - oy * z.ow;
        return conv_input_at(b, z, n, c, oy, ox, kr, ks);
    } else if (MODE == CONV_BACKWARD_INPUT) {   // dy[n, k, oy, ox] with (k, kr, ks) = r, (n, iy, ix) = col
        int khw = z.kh * z.kw, k = r / khw, q = r - k * khw, kr = q / z.kw, ks = q - kr * z.kw;
        int hw = z.h * z.w, n = col / hw, p = col - n * hw, iy = p / z.w, ix = p - iy * z.w;
        int ty = iy + z.ph - kr * z.dh, tx = ix + z.pw - ks * z.dw;
        if (ty < 0 || tx < 0) return 0.0f;
        int oy = ty / z.sh, ox = tx / z.sw;
        if (oy * z.sh != ty || ox * z.sw != tx || oy >= z.oh || ox >= z.ow) return 0.0f;
        return b[(((long long)n * z.k + k) * z.oh + oy) * z.ow + ox];
    } else {   // x at (n, oy, ox) = r, (c, kr, ks) = col
        int ohw = z.oh * z.ow, n = r / ohw, p = r - n * ohw, oy = p / z.ow, ox = p - oy * z.ow;
        int khw = z.kh * z.kw, c = col / khw, q = col - c * khw, kr = q / z.kw, ks = q - kr * z.kw;
        return conv_input_at(b, z, n, c, oy, ox, kr, ks);
    }
}

// Writes the GEMM's result C[m, col] (+ bias[m] in the forward).
template <int MODE>
static __device__ __forceinline__ void conv_store(float* out, const float* bias, const ConvSizes& z, int m, int col,
                                                  float v) {
    if (MODE == CONV_FORWARD) {
        int ohw = z.oh * z.ow, n = col / ohw, p = col - n * ohw;
        out[((long long)n * z.k + m) * ohw + p] = bias ? v + bias[m] : v;
    } else if (MODE == CONV_BACKWARD_INPUT) {
        int hw = z.h * z.w, n = col / hw, p = col - n * hw;
        out[((long long)n * z.c + m) * hw + p] = v;
    } else {
        out[(long long)m * (z.c * z.kh * z.kw) + col] = v;
    }
}

// One 64 x 64 tile of C = A B (M x N, reduction R); as[CONV_BK][CONV_BM] and bs[CONV_BK][CONV_BN] in shared memory.
template <int MODE>
static __device__ __forceinline__ void conv_gemm_tile(const float* a, const float* b, const float* bias, float* out,
                                                      const ConvSizes& z, int M, int N, int R,
                                                      float (*as)[CONV_BM], float (*bs)[CONV_BN]) {
    int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    int m0 = blockIdx.y * CONV_BM, n0 = blockIdx.x * CONV_BN;
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    for (int r0 = 0; r0 < R; r0 += CONV_BK) {
#pragma unroll
        for (int e0 = 0; e0 < CONV_BM * CONV_BK; e0 += 256) {
            int e = e0 + tid, kk = e % CONV_BK, mm = e / CONV_BK;
            int m = m0 + mm, r = r0 + kk;
            as[kk][mm] = (m < M && r < R) ? conv_a<MODE>(a, z, m, r) : 0.0f;
        }
#pragma unroll
        for (int e0 = 0; e0 < CONV_BN * CONV_BK; e0 += 256) {
            int e = e0 + tid, nn = e % CONV_BN, kk = e / CONV_BN;
            int col = n0 + nn, r = r0 + kk;
            bs[kk][nn] = (col < N && r < R) ? conv_b<MODE>(b, z, r, col) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < CONV_BK; kk++) {
            float av[4], bv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) av[i] = as[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; j++) bv[j] = bs[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int m = m0 + ty + 16 * i;
        if (m >= M) continue;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int col = n0 + tx + 16 * j;
            if (col < N) conv_store<MODE>(out, bias, z, m, col, acc[i][j]);
        }
    }
}

LETHE_KERNEL(conv2d_forward_f32, 256,
             const float* __restrict__ x,     // [n, c, h, w]
             const float* __restrict__ w,     // [k, c, kh, kw]
             const float* __restrict__ bias,  // [k] or null
             float* __restrict__ out,         // [n, k, oh, ow]
             NnConvGeometry g) {
    __shared__ float as[CONV_BK][CONV_BM];
    __shared__ float bs[CONV_BK][CONV_BN];
    ConvSizes z = conv_sizes(g);
    conv_gemm_tile<CONV_FORWARD>(w, x, bias, out, z, z.k, z.n * z.oh * z.ow, z.c * z.kh * z.kw, as, bs);
}

LETHE_KERNEL(conv2d_backward_input_f32, 256,
             const float* __restrict__ dy,  // [n, k, oh, ow]
             const float* __restrict__ w,   // [k, c, kh, kw]
             float* __restrict__ dx,        // [n, c, h, w]
             NnConvGeometry g) {
    __shared__ float as[CONV_BK][CONV_BM];
    __shared__ float bs[CONV_BK][CONV_BN];
    ConvSizes z = conv_sizes(g);
    conv_gemm_tile<CONV_BACKWARD_INPUT>(w, dy, nullptr, dx, z, z.c, z.n * z.h * z.w, z.k * z.kh * z.kw, as, bs);
}

LETHE_KERNEL(conv2d_backward_weight_f32, 256,
             const float* __restrict__ dy,  // [n, k, oh, ow]
             const float* __restrict__ x,   // [n, c, h, w]
             float* __restrict__ dw,        // [k, c, kh, kw]
             NnConvGeometry g) {
    __shared__ float as[CONV_BK][CONV_BM];
    __shared__ float bs[CONV_BK][CONV_BN];
    ConvSizes z = conv_sizes(g);
    conv_gemm_tile<CONV_BACKWARD_WEIGHT>(dy, x, nullptr, dw, z, z.k, z.c * z.kh * z.kw, z.n * z.oh * z.ow, as, bs);
}
