// nn_common.cuh: what the nn kernel files (softmax.cu, norm.cu, pool.cu, conv.cu) share: block-wide float
// reductions (warp shuffles inside a warp, one shared-memory slot per warp across warps) and the geometry structs
// passed by value. Names carry an nn_ prefix: the fatbin is one translation unit of every kernel file.
//
// Accuracy of the sums: each thread adds its strided share serially in float, then the block combines the per-thread
// partial sums in a binary tree (5 shuffle levels, then up to 5 more across warps). For L terms over T threads the
// rounding error is bounded by about (L / T + log2 T) * 2^-24 times the sum of |terms|; the parity tests against
// the ref backend (double) hold this to the conformance tolerance of 1e-5 relative.
#pragma once
#include "lethe_device.cuh"

#define NN_FULL_MASK 0xffffffffu

// The sum of v over the warp, in every lane (butterfly).
static __device__ __forceinline__ float nn_warp_sum(float v) {
    for (int mask = 16; mask > 0; mask >>= 1) v += __shfl_xor_sync(NN_FULL_MASK, v, mask);
    return v;
}

// The max of v over the warp, in every lane; NaN propagates (as Java's Math.max does).
static __device__ __forceinline__ float nn_warp_max(float v) {
    for (int mask = 16; mask > 0; mask >>= 1) {
        float o = __shfl_xor_sync(NN_FULL_MASK, v, mask);
        v = (v != v || o != o) ? v + o : fmaxf(v, o);
    }
    return v;
}

// The sum of v over the block, returned to every thread. Every thread of the block must call it (it has barriers);
// blockDim.x a multiple of 32, at most 1024, blockDim.y == blockDim.z == 1. scratch: 32 floats of shared memory,
// reused by the next call only after this one returns (the trailing barrier).
static __device__ __forceinline__ float nn_block_sum(float v, float* scratch) {
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = nn_warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float total = lane < warps ? scratch[lane] : 0.0f;
    total = nn_warp_sum(total);
    __syncthreads();
    return total;
}

// Two sums at once (one pair of barriers): a and b over the block, returned to every thread. scratch: 64 floats.
static __device__ __forceinline__ float2 nn_block_sum2(float a, float b, float* scratch) {
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    a = nn_warp_sum(a);
    b = nn_warp_sum(b);
    if (lane == 0) {
        scratch[warp] = a;
        scratch[32 + warp] = b;
    }
    __syncthreads();
    float ta = lane < warps ? scratch[lane] : 0.0f, tb = lane < warps ? scratch[32 + lane] : 0.0f;
    ta = nn_warp_sum(ta);
    tb = nn_warp_sum(tb);
    __syncthreads();
    return make_float2(ta, tb);
}

// The max of v over the block (NaN propagates), returned to every thread; as nn_block_sum.
static __device__ __forceinline__ float nn_block_max(float v, float* scratch) {
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = nn_warp_max(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float m = lane < warps ? scratch[lane] : -INFINITY;
    m = nn_warp_max(m);
    __syncthreads();
    return m;
}

// Java's max rule for one more value (NaN wins).
static __device__ __forceinline__ float nn_max(float a, float b) { return (a != a || b != b) ? a + b : fmaxf(a, b); }

// A 2-D pooling window over NCHW planes (ai.lethe.backend.Pool2dGeometry), packed by CudaNn: 13 members of 8 bytes.
struct NnPoolGeometry {
    long long planes;                  // N * C
    long long h, w, kh, kw, sh, sw, ph, pw, oh, ow;
    long long count_include_pad;       // 0 or 1
    long long unused;                  // keeps the member count of the Java packing (13)
};

// One 2-D convolution (ai.lethe.backend.Conv2dGeometry plus its output size), packed by CudaNn: 16 members.
struct NnConvGeometry {
    long long n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
    long long unused;
};
