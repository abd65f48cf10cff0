// How the CUDA backend honours ai.lethe.backend.Precision for its convolutions and GEMMs, on both runtimes:
//
//   GEMM (CudaLinalg.matmul, DeviceRuntime.sgemm*):
//     FP32  cublasSgemm with CUBLAS_DEFAULT_MATH (true FP32); the emulator: cblas_sgemm.
//     TF32  cublasSgemm with CUBLAS_TF32_TENSOR_OP_MATH (the tensor cores convert the float32 operands); the emulator
//           rounds the operands to TF32 on the host (ties to even) before cblas_sgemm.
//     BF16  the operands converted to packed bf16 by linalg.cu's round_to_bf16_f32 (each operand's storage span, so
//           leading dimensions and batch strides stay as they are), then cublasGemmEx / cublasGemmStridedBatchedEx
//           with CUDA_R_16BF A and B, CUDA_R_32F C and CUBLAS_COMPUTE_32F (bf16 tensor cores, float32 accumulation,
//           float32 output); the emulator widens the bf16 operands on the host and runs cblas_sgemm.
//     A linear layer's GEMM with its bias epilogue (CudaLinalg.linearBias, DeviceRuntime.sgemmBias) takes the same
//     operands; through cuBLASLt (CublasLtLibrary) FP32 is CUBLAS_COMPUTE_32F, TF32 CUBLAS_COMPUTE_32F_FAST_TF32, BF16
//     CUDA_R_16BF A and B with CUBLAS_COMPUTE_32F; the bias is added in float32 to the float32 product.
//   Convolution (CudaNn):
//     Lethe's kernels (conv.cu) take the precision code and round each operand value as they load it.
//     cuDNN: FP32 restricts the algorithms to CUDNN_FMA_MATH; TF32 lets cuDNN use TF32 tensor cores (the default math
//     type, tensor-op algorithms allowed); BF16 rounds the operands to bf16 into float32 copies first
//     (round_precision_f32), then runs as TF32: a bf16 value is exactly a TF32 value, so TF32 tensor cores multiply the
//     rounded operands exactly and accumulate in float32 — bf16 autocast's arithmetic at TF32 tensor-core speed.
//     Why not bf16 descriptors: the legacy cuDNN API takes one data type for x, w and y, so y (and dw) would be
//     stored as bf16, unlike every other path here (float32 outputs). Why never CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION:
//     it lets cuDNN convert float32 operands to FP16, whose range (65504) is not bf16's; CudnnConvolutions skips
//     algorithms of that math type.
//
// What the GPU does not promise: whether the tensor cores round float32 to TF32 to nearest or truncate is not
// documented by NVIDIA; the emulator rounds to nearest even, and the device check's TF32 tolerance allows either
// (twice TF32's unit roundoff per operand). bf16 operands are rounded by our own kernel, identically everywhere.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Precision;
import ai.lethe.backend.View;
import ai.lethe.core.DType;

final class CudaPrecision {
    private CudaPrecision() {}

    /** Whether cuDNN may use tensor-op (TF32) algorithms for the precision: TF32 and BF16 (see the file comment). */
    static boolean cudnnTensorOps(Precision p) { return p != Precision.FP32; }

    /**
     * The operand cuDNN gets under p: v itself for FP32 and TF32, a float32 copy rounded to bf16 for BF16. v is a
     * contiguous float32 view (CudaNn's staged operand); the copy lives in {@code temps}.
     */
    static View forCudnn(CudaContext context, CudaTemps temps, String op, View v, Precision p) {
        if (p != Precision.BF16 || v == null || v.numel() == 0) return v;
        if (!v.isContiguous()) throw new IllegalArgumentException(op + ": a staged cuDNN operand must be contiguous, got " + v);
        View r = temps.allocate(DType.FLOAT32, v.shape());
        long n = v.numel();
        context.launch1d("round_precision_f32", (n + 3) / 4, new KernelArgs().pointer(context.elementPointer(op, v))
                .pointer(context.elementPointer(op, r)).i64(n).i32(p.code()));
        return r;
    }

    /**
     * A packed bf16 copy of the storage span v reaches (its lowest to its highest element, gaps included), for a
     * bf16 GEMM: returns the device address of v's element [0, ..., 0] in the copy. The copy has v's element strides
     * (a broadcast operand is converted once), so the GEMM's leading dimensions and batch strides are unchanged.
     */
    static long bf16Span(CudaContext context, CudaTemps temps, String op, View v) {
        long low = v.offset(), high = v.offset();
        for (int d = 0; d < v.rank(); d++) {
            long reach = (v.dim(d) - 1) * v.stride(d);
            if (reach < 0) low += reach;
            else high += reach;
        }
        long span = high - low + 1;
        View words = temps.allocate(DType.FLOAT32, new long[] {(span + 1) / 2});
        long dst = context.elementPointer(op, words);
        long src = context.basePointer(op, v) + low * Float.BYTES;
        context.launch1d("round_to_bf16_f32", (span + 7) / 8, new KernelArgs().pointer(src).pointer(dst).i64(span));
        return dst + (v.offset() - low) * 2;
    }

    /** Elements of the storage span a view reaches (what bf16Span converts). */
    static long span(View v) {
        long s = 1;
        for (int d = 0; d < v.rank(); d++) s += (v.dim(d) - 1) * Math.abs(v.stride(d));
        return s;
    }
}
