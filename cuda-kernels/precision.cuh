// precision.cuh: rounding float32 to the input formats of ai.lethe.backend.Precision, bit for bit as
// Precision.round / Precision.bf16Bits define it (round to nearest, ties to even; NaN stays a quiet NaN of its sign;
// a finite value beyond the format's range becomes ±Inf). Used by conv.cu (the kernels round the operands they load)
// and linalg.cu (the conversion kernels in front of the GEMM). Names carry a prec_ prefix: the fatbin is one
// translation unit of every kernel file.
//
// Precision codes (Precision.code()): 0 = fp32 (identity), 1 = tf32 (10 explicit mantissa bits, kept in a float32
// whose low 13 bits are 0), 2 = bf16 (7 explicit mantissa bits: the upper 16 bits of a float32).
#pragma once
#include "lethe_device.cuh"

#define PREC_FP32 0
#define PREC_TF32 1
#define PREC_BF16 2

// The bfloat16 nearest to x, as its 16 bits (in the low half).
static __device__ __forceinline__ unsigned prec_bf16_bits(float x) {
    unsigned b = __float_as_uint(x);
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) return ((b >> 16) | 0x0040u) & 0xFFFFu;
    return ((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16) & 0xFFFFu;
}

// x rounded to TF32, as a float32.
static __device__ __forceinline__ float prec_tf32(float x) {
    unsigned b = __float_as_uint(x);
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) return __uint_as_float((b | 0x00400000u) & 0xFFFFE000u);
    return __uint_as_float((b + 0xFFFu + ((b >> 13) & 1u)) & 0xFFFFE000u);
}

// x rounded to the format of the precision code, as a float32 (x itself for PREC_FP32).
static __device__ __forceinline__ float prec_round(float x, int precision) {
    if (precision == PREC_BF16) return __uint_as_float(prec_bf16_bits(x) << 16);
    if (precision == PREC_TF32) return prec_tf32(x);
    return x;
}

// Two bf16 in one 32-bit word: lo in the low half (element 2i of a little-endian bf16 array), hi in the high half.
static __device__ __forceinline__ int prec_bf16_pair(float lo, float hi) {
    return (int)(prec_bf16_bits(lo) | (prec_bf16_bits(hi) << 16));
}
