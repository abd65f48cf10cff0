// linalg.cu: what the CUDA backend's matmul needs besides the runtime's GEMM (cuBLAS on a GPU, OpenBLAS in the
// emulator; see ai.lethe.backend.cuda.CudaLinalg): the empty product (k = 0), where out = beta * out; a GEMM's bias
// added to its rows where the runtime's GEMM has no bias epilogue (DeviceRuntime.sgemmBias); and the
// conversions in front of a reduced-precision GEMM or convolution (ai.lethe.backend.Precision, rounding as
// precision.cuh defines it): float32 to packed bf16 (cublasGemmEx's CUDA_R_16BF operands) and float32 to float32
// rounded to TF32 or bf16 (cuDNN's operands under bf16 autocast).
//
// Launch: 1-D grid of 256-thread blocks, grid-stride loops (any n). The conversions are memory-bound: with a
// 16-byte aligned source they move 16-byte vectors (8 floats in, 8 bf16 out; 4 floats in, 4 out), else one pair
// or one element a step.
#include "lethe_device.cuh"
#include "precision.cuh"
#include "strided.cuh"

// out[i] *= beta for i < n (beta != 0: the backend fills with 0 for beta == 0, so NaN in out does not survive).
LETHE_KERNEL(matmul_scale_f32, 256,
             float* out,  // [n] contiguous
             float beta, long long n) {
    for (long long i = grid_first(); i < n; i += grid_step()) out[i] *= beta;
}

// c[r * ldc + j] += bias[j] for r < rows, j < cols: a GEMM's bias added after it (DeviceRuntime.sgemmBias where the
// runtime has no GEMM epilogue: no cuBLASLt, or lethe.cuda.gemm-epilogue=off). One element a step.
LETHE_KERNEL(bias_add_rows_f32, 256,
             float* c,                       // [rows, ldc], the first cols of each row
             const float* __restrict__ bias, // [cols] contiguous
             long long rows, long long cols, long long ldc) {
    long long n = rows * cols;
    for (long long i = grid_first(); i < n; i += grid_step()) {
        long long r = i / cols, j = i - r * cols;
        c[r * ldc + j] += bias[j];
    }
}

// dst (bf16, 2 bytes an element) = src rounded to bf16, for i < n; element i of dst is the low (i even) or high
// (i odd) half of word i / 2; an odd n leaves 0 in the last word's high half. dst: a fresh allocation (256-byte
// aligned).
LETHE_KERNEL(round_to_bf16_f32, 256,
             const float* __restrict__ src,  // [n]
             int* __restrict__ dst,          // [(n + 1) / 2] words, each two bf16
             long long n) {
    long long groups = ((unsigned long long)src & 15u) == 0 ? n / 8 : 0;   // 8 elements: two float4 in, one int4 out
    for (long long g = grid_first(); g < groups; g += grid_step()) {
        float4 a = ld_float4(src + 8 * g), b = ld_float4(src + 8 * g + 4);
        st_int4(dst + 4 * g, make_int4(prec_bf16_pair(a.x, a.y), prec_bf16_pair(a.z, a.w), prec_bf16_pair(b.x, b.y),
                                       prec_bf16_pair(b.z, b.w)));
    }
    long long pairs = (n + 1) / 2;
    for (long long p = 4 * groups + grid_first(); p < pairs; p += grid_step())
        dst[p] = prec_bf16_pair(src[2 * p], 2 * p + 1 < n ? src[2 * p + 1] : 0.0f);
}

// dst = src rounded to the precision's format (precision.cuh codes; PREC_FP32 copies), for i < n. dst: a fresh
// allocation (256-byte aligned).
LETHE_KERNEL(round_precision_f32, 256,
             const float* __restrict__ src,  // [n]
             float* __restrict__ dst,        // [n]
             long long n, int precision) {
    long long groups = ((unsigned long long)src & 15u) == 0 ? n / 4 : 0;
    for (long long g = grid_first(); g < groups; g += grid_step()) {
        float4 v = ld_float4(src + 4 * g);
        st_float4(dst + 4 * g, make_float4(prec_round(v.x, precision), prec_round(v.y, precision),
                                           prec_round(v.z, precision), prec_round(v.w, precision)));
    }
    for (long long i = 4 * groups + grid_first(); i < n; i += grid_step()) dst[i] = prec_round(src[i], precision);
}
