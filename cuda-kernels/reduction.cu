// reduction.cu: the Backend SPI's reductions over any set of axes (SUM, MEAN, MAX, MIN, VAR) and arg-reductions
// along one axis (ARGMAX, ARGMIN), on strided float32 views.
//
// Layout (packed by ai.lethe.backend.cuda.CudaMath): x is split into kept and reduced dimensions. `outer` walks the
// kept dimensions of x (its offset is x's), `inner` the reduced ones (offset 0), and `ov` the output over the same
// kept dimensions (outer and ov coalesced together); output k reduces x[outer(k) + inner(j)] over j < count.
//
// Precision: float loads, double accumulation, one rounding of the result (the ref backend accumulates in double),
// so the error against ref is float rounding plus count * 2^-53 relative to the sum of |x| (documented bound:
// CudaMathParityTest). VAR is two-pass (mean, then the sum of squared deviations) with the correction p0, as ref.
// MAX/MIN propagate NaN. The arg-reductions return the first index of the extreme; a NaN counts as the extreme (the
// first NaN wins), as ref.
//
// Two shapes of launch: reduce_rows_small, one thread per output (grid-stride over outputs), for short reductions or
// many outputs; reduce_rows_block, one block per output (block-stride over outputs) with a warp-shuffle + shared
// memory tree in double, for long ones. Block: a multiple of 32 threads, at most 256.
#include "lethe_device.cuh"
#include "strided.cuh"

// Keep in the order of ai.lethe.backend.ReduceOp.
#define LR_SUM 0
#define LR_MEAN 1
#define LR_MAX 2
#define LR_MIN 3
#define LR_VAR 4

static __device__ __forceinline__ double lr_combine(int op, double acc, double v) {
    if (op == LR_MAX) return (acc != acc || v != v) ? NAN : (v > acc ? v : acc);
    if (op == LR_MIN) return (acc != acc || v != v) ? NAN : (v < acc ? v : acc);
    return acc + v;
}

static __device__ __forceinline__ double lr_identity(int op) {
    return op == LR_MAX ? -INFINITY : (op == LR_MIN ? INFINITY : 0.0);
}

// The op's combination over the warp, in every lane (butterfly).
static __device__ __forceinline__ double lr_warp(int op, double v) {
    for (int mask = 16; mask > 0; mask >>= 1) v = lr_combine(op, v, __shfl_xor_sync(0xffffffffu, v, mask));
    return v;
}

// The op's combination over the block, in every thread (scratch: 32 doubles of static shared memory).
static __device__ __forceinline__ double lr_block(int op, double v, double* scratch) {
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = lr_warp(op, v);
    __syncthreads();   // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : lr_identity(op);
    return lr_warp(op, v);
}

static __device__ __forceinline__ float lr_finish(int op, double acc, double sq, long long count, double correction) {
    if (op == LR_MEAN) return (float)(acc / (double)count);
    if (op == LR_VAR) {
        double d = (double)count - correction;
        return (float)(sq / (d > 0.0 ? d : 0.0));
    }
    return (float)acc;
}

// out[ov(k)] = op over j < count of x[outer(k) + inner(j)], for k < outputs; one thread per output.
LETHE_KERNEL(reduce_rows_small, 256,
             int op,
             const float* __restrict__ x,  // [outer x inner] (base pointer; offsets in the views)
             StridedView outer, StridedView inner,
             float* __restrict__ out,      // [ov]
             StridedView ov, long long outputs, long long count, double correction) {
    for (long long k = grid_first(); k < outputs; k += grid_step()) {
        long long base = strided_offset(outer, k);
        double acc = lr_identity(op);
        for (long long j = 0; j < count; j++) acc = lr_combine(op, acc, (double)x[base + strided_offset(inner, j)]);
        double sq = 0.0;
        if (op == LR_VAR) {
            double mean = acc / (double)count;
            for (long long j = 0; j < count; j++) {
                double d = (double)x[base + strided_offset(inner, j)] - mean;
                sq += d * d;
            }
        }
        out[strided_offset(ov, k)] = lr_finish(op, acc, sq, count, correction);
    }
}

// As reduce_rows_small, one block per output (blocks stride over the outputs), the block's threads striding over
// the reduced elements.
LETHE_KERNEL(reduce_rows_block, 256,
             int op,
             const float* __restrict__ x,  // [outer x inner]
             StridedView outer, StridedView inner,
             float* __restrict__ out,      // [ov]
             StridedView ov, long long outputs, long long count, double correction) {
    __shared__ double lr_scratch[32];
    for (long long k = blockIdx.x; k < outputs; k += gridDim.x) {
        long long base = strided_offset(outer, k);
        double acc = lr_identity(op);
        for (long long j = threadIdx.x; j < count; j += blockDim.x)
            acc = lr_combine(op, acc, (double)x[base + strided_offset(inner, j)]);
        int sum_op = op == LR_MEAN || op == LR_VAR ? LR_SUM : op;
        acc = lr_block(sum_op, acc, lr_scratch);
        double sq = 0.0;
        if (op == LR_VAR) {
            double mean = acc / (double)count;
            for (long long j = threadIdx.x; j < count; j += blockDim.x) {
                double d = (double)x[base + strided_offset(inner, j)] - mean;
                sq += d * d;
            }
            sq = lr_block(LR_SUM, sq, lr_scratch);
        }
        if (threadIdx.x == 0) out[strided_offset(ov, k)] = lr_finish(op, acc, sq, count, correction);
    }
}

// out[ov(k)] = the index j < count of the largest (is_min = 0) or smallest (is_min = 1) x[outer(k) + j * step], the
// first on ties, the first NaN if any; one thread per output.
LETHE_KERNEL(arg_reduce_f32, 256,
             int is_min,
             const float* __restrict__ x,  // [outer x count] (base pointer)
             StridedView outer, long long step,
             long long* __restrict__ out,  // [ov]
             StridedView ov, long long outputs, long long count) {
    for (long long k = grid_first(); k < outputs; k += grid_step()) {
        long long base = strided_offset(outer, k), best = 0;
        float best_v = x[base];
        for (long long j = 1; j < count && best_v == best_v; j++) {
            float v = x[base + j * step];
            if (v != v || (is_min ? v < best_v : v > best_v)) {
                best = j;
                best_v = v;
            }
        }
        out[strided_offset(ov, k)] = best;
    }
}
