// index.cu: the Backend SPI's indexing ops on the device, int64 indices (Java side: ai.lethe.backend.cuda.CudaLinalg).
//   take    (gather, indexSelect):  out[p] = x[p with its axis coordinate replaced by the index read for p]
//   put-add (scatterAdd, indexAdd): out[p with its axis coordinate replaced by the index read for p] += src[p]
// Each walks the positions p of one shape (out's for take, src's for put-add), and every operand is a StridedView of
// that shape, built and coalesced together in Java: the addressed operand (x, or out for put-add) with its axis
// stride zeroed (the index times axis_stride is added), the index with its own strides (gather, scatterAdd) or with
// stride 0 everywhere but the axis (the 1-D index of indexSelect and indexAdd).
//
// An index outside [0, axis_size) never addresses memory: the thread skips its element and records the error in
// err (the backend's device error record, DeviceErrors.java): the first thread to find one sets err[0] = 1 by
// atomicCAS and writes err[1] = the index, err[2] = the op code, err[3] = the axis, err[4] = axis_size; the backend
// reads it at the next synchronisation and throws IndexOutOfBoundsException naming the op. The op's other elements
// are still moved (unlike ref and cpu, which check every index first).
//
// put-add accumulates with atomicAdd (float32, float64; int64 as two's complement unsigned long long, exact): with
// duplicate indices the order of the float additions is not fixed, so a result may differ between runs in its last
// bits (the sum of d terms within (d - 1) * 2^-24 * sum|term| of the exact one).
//
// Launch: 1-D grid of 256-thread blocks, grid-stride loops (any n).
#include "lethe_device.cuh"
#include "strided.cuh"

// Element types by code (CudaContext.dtypeCode).
#define LETHE_IDX_F32 0
#define LETHE_IDX_F64 1
#define LETHE_IDX_I64 2

// Whether idx is inside [0, size); if not, records the error (first finder only) and returns false.
static __device__ __forceinline__ bool index_in_range(long long idx, long long size, unsigned long long* err, int op,
                                                      int axis) {
    if (idx >= 0 && idx < size) return true;
    if (atomicCAS(err, 0ULL, 1ULL) == 0ULL) {
        err[1] = (unsigned long long)idx;
        err[2] = (unsigned long long)op;
        err[3] = (unsigned long long)axis;
        err[4] = (unsigned long long)size;
    }
    return false;
}

// out[out_view[i]] = x[x_view[i] + index[index_view[i]] * x_axis_stride] for i < n; elements of elem_bytes (4 or 8)
// bytes, moved as they are. x must not overlap out (the backend copies it away first).
LETHE_KERNEL(index_take, 256,
             void* __restrict__ out,               // [out_view] elements of elem_bytes
             StridedView out_view,
             const void* __restrict__ x,           // [x_view, with axis_size along the axis] elements of elem_bytes
             StridedView x_view, long long x_axis_stride, long long axis_size,
             const long long* __restrict__ index,  // [index_view] int64
             StridedView index_view, int elem_bytes, long long n,
             unsigned long long* err,              // [5] the device error record
             int op, int axis) {
    for (long long i = grid_first(); i < n; i += grid_step()) {
        long long k = index[strided_offset(index_view, i)];
        if (!index_in_range(k, axis_size, err, op, axis)) continue;
        long long s = strided_offset(x_view, i) + k * x_axis_stride, d = strided_offset(out_view, i);
        if (elem_bytes == 4) static_cast<float*>(out)[d] = static_cast<const float*>(x)[s];
        else static_cast<long long*>(out)[d] = static_cast<const long long*>(x)[s];
    }
}

// out[out_view[i] + index[index_view[i]] * out_axis_stride] += src[src_view[i]] for i < n, atomically; elements of
// dtype (LETHE_IDX_*). src must not overlap out (the backend copies it away first).
LETHE_KERNEL(index_put_add, 256,
             const void* __restrict__ src,         // [src_view] elements of dtype
             StridedView src_view,
             void* out,                            // [out_view, with axis_size along the axis] elements of dtype
             StridedView out_view, long long out_axis_stride, long long axis_size,
             const long long* __restrict__ index,  // [index_view] int64
             StridedView index_view, int dtype, long long n,
             unsigned long long* err,              // [5] the device error record
             int op, int axis) {
    for (long long i = grid_first(); i < n; i += grid_step()) {
        long long k = index[strided_offset(index_view, i)];
        if (!index_in_range(k, axis_size, err, op, axis)) continue;
        long long s = strided_offset(src_view, i), d = strided_offset(out_view, i) + k * out_axis_stride;
        if (dtype == LETHE_IDX_F32) {
            atomicAdd(static_cast<float*>(out) + d, static_cast<const float*>(src)[s]);
        } else if (dtype == LETHE_IDX_F64) {
            atomicAdd(static_cast<double*>(out) + d, static_cast<const double*>(src)[s]);
        } else {
            atomicAdd(static_cast<unsigned long long*>(out) + d,
                      (unsigned long long)static_cast<const long long*>(src)[s]);
        }
    }
}
