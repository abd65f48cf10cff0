// loss.cu: fused softmax cross-entropy over logits [N, C] (contiguous float32) at int64 class targets [N], with label
// smoothing eps, forward and backward in one kernel each (Java side: CudaNn.crossEntropy*). CPU reference:
// ai.lethe.backend.HostFusedOps (double), used by the ref and cpu backends; parity in CudaFusedOpsTest.
//
// Forward, per row i (one warp a row): an online max / sum-of-exponentials pass over the row (each logit read once:
// m' = max(m, x), s' = s * exp(m - m') + exp(x - m')), merged across the warp's lanes; then
//   lse_i = m + log(s),  loss_i = lse_i - (1 - eps) * x[i, t_i] - eps / C * sum_j x[i, j].
// cross_entropy_f32 writes lse [N] and (when given) losses [N]; with total given the launch is ONE block, whose warps
// keep their rows' loss sums in a fixed order and combine them with a block reduction: total = scale * sum_i loss_i,
// deterministic (no atomics). CudaNn picks that single-block form up to CE_ONE_BLOCK_ELEMENTS logits and otherwise
// launches a grid over rows into a losses temporary plus cross_entropy_sum_f32 (one block).
// Backward, one warp a row (grid-stride over rows; float4 when C % 4 == 0 and the buffers are 16-byte aligned):
//   dlogits[i, j] = scale * g_i * (exp(x[i, j] - lse_i) - (j == t_i ? 1 - eps : 0) - eps / C),
// g_i = grad_out[i * grad_stride] (stride 0 broadcasts the one upstream gradient of a mean or sum). The row's lse_i,
// t_i and g_i are read once, by lane 0, and shuffled to the warp (a broadcast g once per warp): each logit is read
// once and each gradient written once, nothing else (BytesMovedTest: within 1.1x of that minimum).
// A target outside [0, C) never addresses memory: the forward records it in the device error record (DeviceErrors,
// as index.cu does: op code, axis 1, size C) and writes NaN as that row's loss; the backward treats it as no class.
#include "lethe_device.cuh"
#include "nn_common.cuh"
#include "strided.cuh"

// Records a bad target (first finder only), as index.cu's index_in_range does.
static __device__ __forceinline__ void ce_record_bad_target(unsigned long long* err, long long t, int c, int op) {
    if (atomicCAS(err, 0ULL, 1ULL) == 0ULL) {
        err[1] = (unsigned long long)t;
        err[2] = (unsigned long long)op;
        err[3] = 1ULL;
        err[4] = (unsigned long long)c;
    }
}

// Merges (m, s) with (m2, s2): the max and the sum of exponentials relative to it; -inf maxima contribute nothing.
static __device__ __forceinline__ void ce_merge(float& m, float& s, float m2, float s2) {
    float mm = nn_max(m, m2);
    float a = (m == -INFINITY) ? 0.0f : s * expf(m - mm);
    float b = (m2 == -INFINITY) ? 0.0f : s2 * expf(m2 - mm);
    m = mm;
    s = a + b;
}

LETHE_KERNEL(cross_entropy_f32, 1024,
             const float* __restrict__ x,           // [n, c]
             const long long* __restrict__ target,  // [n] (element i at i * target_stride)
             long long target_stride,
             float* __restrict__ losses,            // [n], or null
             float* __restrict__ lse,               // [n]
             float* __restrict__ total,             // [1], or null (then gridDim.x == 1)
             long long n, int c, float smoothing, float scale,
             unsigned long long* err,               // [5] the device error record
             int op) {
    __shared__ float scratch[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    float warp_total = 0.0f;   // lane 0's running sum of its warp's losses, in row order
    for (long long i = (long long)blockIdx.x * warps + warp; i < n; i += (long long)gridDim.x * warps) {
        const float* xr = x + i * c;
        float m = -INFINITY, s = 0.0f, row = 0.0f;
        for (int j = lane; j < c; j += 32) {
            float v = xr[j];
            row += v;
            float mm = nn_max(m, v);
            s = (m == -INFINITY ? 0.0f : s * expf(m - mm)) + expf(v - mm);
            m = mm;
        }
        for (int mask = 16; mask > 0; mask >>= 1) {
            float m2 = __shfl_xor_sync(NN_FULL_MASK, m, mask), s2 = __shfl_xor_sync(NN_FULL_MASK, s, mask);
            ce_merge(m, s, m2, s2);
        }
        row = nn_warp_sum(row);
        if (lane == 0) {
            float l = m + logf(s);
            long long t = target[i * target_stride];
            float loss;
            if (t < 0 || t >= c) {
                ce_record_bad_target(err, t, c, op);
                loss = NAN;
            } else {
                loss = l - (1.0f - smoothing) * xr[t] - smoothing / (float)c * row;
            }
            lse[i] = l;
            if (losses) losses[i] = loss;
            warp_total += loss;
        }
    }
    if (total) {   // one block: combine the warps' sums in a fixed order
        float sum = nn_block_sum(lane == 0 ? warp_total : 0.0f, scratch);
        if (threadIdx.x == 0) total[0] = scale * sum;
    }
}

// total[0] = scale * sum of losses [n], one block (a fixed order: each thread's strided share, then the block tree).
LETHE_KERNEL(cross_entropy_sum_f32, 1024,
             const float* __restrict__ losses,  // [n]
             float* __restrict__ total,         // [1]
             long long n, float scale) {
    __shared__ float scratch[32];
    float s = 0.0f;
    for (long long i = threadIdx.x; i < n; i += blockDim.x) s += losses[i];
    s = nn_block_sum(s, scratch);
    if (threadIdx.x == 0) total[0] = scale * s;
}

static __device__ __forceinline__ float ce_grad(float v, float l, int j, long long t, float g, float keep, float uniform) {
    return g * (expf(v - l) - (j == t ? keep : 0.0f) - uniform);
}

LETHE_KERNEL(cross_entropy_backward_f32, 256,
             const float* __restrict__ x,           // [n, c]
             const long long* __restrict__ target,  // [n] (element i at i * target_stride)
             long long target_stride,
             const float* __restrict__ lse,         // [n]
             const float* __restrict__ grad_out,    // [n] (element i at i * grad_stride; stride 0 broadcasts)
             long long grad_stride,
             float* __restrict__ dx,                // [n, c]
             long long n, int c, float smoothing, float scale) {
    const float keep = 1.0f - smoothing, uniform = smoothing / (float)c;
    const int lane = threadIdx.x & 31;
    const long long warp = grid_first() >> 5, warps = grid_step() >> 5;
    const bool vec = (c % 4 == 0) && ((reinterpret_cast<unsigned long long>(x) | reinterpret_cast<unsigned long long>(dx)) & 15ull) == 0;
    // the row's scalars: read once by lane 0 and shuffled to the warp (a broadcast gradient once per warp)
    float g0 = 0.0f;
    if (grad_stride == 0) {
        if (lane == 0) g0 = scale * grad_out[0];
        g0 = __shfl_sync(NN_FULL_MASK, g0, 0);
    }
    for (long long i = warp; i < n; i += warps) {
        float l = 0.0f, g = g0;
        long long t = 0;
        if (lane == 0) {
            l = lse[i];
            t = target[i * target_stride];
            if (grad_stride != 0) g = scale * grad_out[i * grad_stride];
        }
        l = __shfl_sync(NN_FULL_MASK, l, 0);
        g = __shfl_sync(NN_FULL_MASK, g, 0);
        t = __shfl_sync(NN_FULL_MASK, t, 0);
        const float* xr = x + i * c;
        float* dr = dx + i * c;
        if (vec) {
            for (int j = 4 * lane; j < c; j += 128) {
                float4 v = ld_float4(xr + j);
                st_float4(dr + j, make_float4(ce_grad(v.x, l, j, t, g, keep, uniform), ce_grad(v.y, l, j + 1, t, g, keep, uniform),
                                              ce_grad(v.z, l, j + 2, t, g, keep, uniform), ce_grad(v.w, l, j + 3, t, g, keep, uniform)));
            }
        } else {
            for (int j = lane; j < c; j += 32) dr[j] = ce_grad(xr[j], l, j, t, g, keep, uniform);
        }
    }
}
