// memory.cu: the Backend SPI's data movement on the device: copy between strided views with dtype conversion, and
// fill of a strided view. Element types by code (keep in step with ai.lethe.backend.cuda.CudaContext.dtypeCode):
// 0 float32, 1 float64, 2 int64. Conversions follow Java, as the ref and cpu backends do: float -> int64 truncates
// toward zero, NaN gives 0 and out-of-range values saturate; int64 -> float32 rounds through double, as Java's
// (float) (double) does; int64 -> int64 is exact (never through a double).
// CPU reference: the ref backend (the conformance suite and CudaBackendTest compare with it).
//
// Launch: 1-D grid of 1-D blocks (256 threads), any grid size (grid-stride loops).
#include "lethe_device.cuh"
#include "strided.cuh"

#define LETHE_DT_F32 0
#define LETHE_DT_F64 1
#define LETHE_DT_I64 2

// Java's (long) cast of a double: NaN -> 0, saturating at the int64 range.
static __device__ __forceinline__ long long java_double_to_long(double v) {
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return 9223372036854775807LL;
    if (v <= -9223372036854775808.0) return (-9223372036854775807LL - 1);
    return (long long)v;
}

// dst[dst_view[i]] = convert(src[src_view[i]]) for i < n. Both views have the same (coalesced) sizes. src and dst
// must not overlap unless identical (the backend copies a source away from a destination it overlaps first).
LETHE_KERNEL(copy_strided, 256,
             const void* __restrict__ src,  // [src_view] elements of src_dtype
             int src_dtype, StridedView src_view,
             void* __restrict__ dst,        // [dst_view] elements of dst_dtype
             int dst_dtype, StridedView dst_view, long long n) {
    for (long long i = grid_first(); i < n; i += grid_step()) {
        long long s = strided_offset(src_view, i), d = strided_offset(dst_view, i);
        if (src_dtype == LETHE_DT_I64 && dst_dtype == LETHE_DT_I64) {
            static_cast<long long*>(dst)[d] = static_cast<const long long*>(src)[s];
            continue;
        }
        if (src_dtype == LETHE_DT_F32 && dst_dtype == LETHE_DT_F32) {
            static_cast<float*>(dst)[d] = static_cast<const float*>(src)[s];
            continue;
        }
        double v = src_dtype == LETHE_DT_F32   ? (double)static_cast<const float*>(src)[s]
                   : src_dtype == LETHE_DT_F64 ? static_cast<const double*>(src)[s]
                                               : (double)static_cast<const long long*>(src)[s];
        if (dst_dtype == LETHE_DT_F32) {
            static_cast<float*>(dst)[d] = (float)v;
        } else if (dst_dtype == LETHE_DT_F64) {
            static_cast<double*>(dst)[d] = v;
        } else {
            static_cast<long long*>(dst)[d] = java_double_to_long(v);
        }
    }
}

// dst[view[i]] = value (converted to dtype) for i < n.
LETHE_KERNEL(fill_strided, 256,
             void* __restrict__ dst,  // [view] elements of dtype
             int dtype, StridedView view, double value, long long n) {
    float f = (float)value;
    long long l = java_double_to_long(value);
    for (long long i = grid_first(); i < n; i += grid_step()) {
        long long d = strided_offset(view, i);
        if (dtype == LETHE_DT_F32) static_cast<float*>(dst)[d] = f;
        else if (dtype == LETHE_DT_F64) static_cast<double*>(dst)[d] = value;
        else static_cast<long long*>(dst)[d] = l;
    }
}
