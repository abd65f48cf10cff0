// strided.cuh: the one way Lethe's kernels address a strided view (a Backend SPI View on the device).
//
// A StridedView is passed to a kernel BY VALUE (a kernel parameter of sizeof(StridedView) = 144 bytes, eight-byte
// aligned), packed in Java by ai.lethe.backend.cuda.StridedArg (keep the two in step): ndim, the offset of element
// [0, ..., 0] in elements from the buffer's start, then sizes[LETHE_MAX_DIMS] and strides[LETHE_MAX_DIMS] in
// elements (entries from ndim on are 0). Views of one op are coalesced together in Java (dimensions merged where
// every operand allows, size-1 dimensions dropped), so all views of one launch have the same ndim and sizes, and
// ndim <= LETHE_MAX_DIMS; a broadcast dimension has stride 0.
//
// strided_offset(v, i) maps the row-major linear index i (0 <= i < numel) to the element offset in the buffer. Its
// loop is unrolled over LETHE_MAX_DIMS with constant indices, so under nvcc the struct stays in parameter space and
// registers (no local-memory copy).
#pragma once
#include "lethe_device.cuh"

#define LETHE_MAX_DIMS 8

struct StridedView {
    long long ndim;                      // 0..LETHE_MAX_DIMS (0: a single element)
    long long offset;                    // element [0, ..., 0], in elements
    long long sizes[LETHE_MAX_DIMS];     // [ndim] (the rest 0)
    long long strides[LETHE_MAX_DIMS];   // [ndim] in elements (the rest 0); 0 for a broadcast dimension
};

// The element offset of row-major linear index i in v. One dimension (every contiguous view, after coalescing) needs no
// division; the branch is uniform across a launch.
static __device__ __forceinline__ long long strided_offset(const StridedView& v, long long i) {
    if (v.ndim <= 1) return v.offset + (v.ndim == 1 ? i * v.strides[0] : 0);
    long long off = v.offset;
#pragma unroll
    for (int d = LETHE_MAX_DIMS - 1; d >= 0; d--) {
        if (d < v.ndim) {
            long long s = v.sizes[d];
            long long q = i / s;
            off += (i - q * s) * v.strides[d];
            i = q;
        }
    }
    return off;
}

// The first linear index of this thread and the grid-stride step, for a 1-D launch over n elements.
static __device__ __forceinline__ long long grid_first() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }
static __device__ __forceinline__ long long grid_step() { return (long long)gridDim.x * blockDim.x; }
