// reduce.cu: block reductions of float32 buffers: warp shuffles inside a warp, shared memory across warps.
// CPU reference: ai.lethe.backend.cuda tests (ReduceKernelTest) compute the same in Java (in double).
#include "lethe_device.cuh"

#define LETHE_FULL_MASK 0xffffffffu

// The sum of v over the warp, in lane 0 (tree order: lane l adds lane l + 16, + 8, ...).
static __device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(LETHE_FULL_MASK, v, offset);
    return v;
}

// The max of v over the warp, in every lane (butterfly; NaN propagates).
static __device__ __forceinline__ float warp_max_all(float v) {
    for (int mask = 16; mask > 0; mask >>= 1) {
        float o = __shfl_xor_sync(LETHE_FULL_MASK, v, mask);
        v = (v != v || o != o) ? v + o : fmaxf(v, o);
    }
    return v;
}

// partial[blockIdx.x] = sum of in[i] over the i this block's grid-stride walk visits; launch again on partial with
// one block to finish. Block: a multiple of 32 threads, at most 512.
LETHE_KERNEL(sum_f32_blocks, 512,
             const float* __restrict__ in,  // [n]
             float* __restrict__ partial,   // [gridDim.x]
             long long n) {
    __shared__ float warp_sums[32];
    float acc = 0.0f;
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) acc += in[i];
    acc = warp_sum(acc);
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();
    if (warp == 0) {
        float v = lane < warps ? warp_sums[lane] : 0.0f;
        v = warp_sum(v);
        if (lane == 0) partial[blockIdx.x] = v;
    }
}

// out[r] = sum of in[r, :] and row_max[r] = max of in[r, :]: one block per row (grid.x = rows), the per-warp
// results in dynamic shared memory (2 * blockDim.x / 32 floats). Block: a multiple of 32 threads, at most 1024.
LETHE_KERNEL(sum_max_rows_f32, 1024,
             const float* __restrict__ in,   // [rows, cols]
             float* __restrict__ out,        // [rows]
             float* __restrict__ row_max,    // [rows]
             int cols) {
    LETHE_DYNAMIC_SHARED(float, scratch);  // [2][blockDim.x / 32]
    const float* row = in + (long long)blockIdx.x * cols;
    float acc = 0.0f, mx = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float v = row[c];
        acc += v;
        mx = (mx != mx || v != v) ? mx + v : fmaxf(mx, v);
    }
    acc = warp_sum(acc);
    mx = warp_max_all(mx);
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    if (lane == 0) {
        scratch[warp] = acc;
        scratch[warps + warp] = mx;
    }
    __syncthreads();
    if (warp == 0) {
        float s = lane < warps ? scratch[lane] : 0.0f;
        float m = lane < warps ? scratch[warps + lane] : -INFINITY;
        s = warp_sum(s);
        m = warp_max_all(m);
        if (lane == 0) {
            out[blockIdx.x] = s;
            row_max[blockIdx.x] = m;
        }
    }
}

// count[0] += number of i < n with in[i] > threshold: a warp vote (__ballot_sync) and one atomicAdd per warp.
// Block: a multiple of 32 threads, at most 256.
LETHE_KERNEL(count_greater_f32, 256,
             const float* __restrict__ in,  // [n]
             unsigned* __restrict__ count,  // [1]
             float threshold, long long n) {
    long long stride = (long long)gridDim.x * blockDim.x;
    long long start = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    // every lane runs the same number of rounds so that the whole warp reaches each vote
    long long rounds = (n + stride - 1) / stride;
    unsigned total = 0;
    for (long long r = 0; r < rounds; r++) {
        long long i = start + r * stride;
        unsigned votes = __ballot_sync(LETHE_FULL_MASK, i < n && in[i] > threshold);
        total += __popc(votes);
    }
    if (threadIdx.x % 32 == 0 && total > 0) atomicAdd(count, total);
}
