// A Linear layer followed by GELU (issue 15; the ViT MLP's fc1 + act): the GEMM with the bias in its epilogue
// (F.linear -> Backend.linearBias: on cuda cuBLASLt's CUBLASLT_EPILOGUE_BIAS, or the emulator's GEMM, writes
// pre = x @ weightᵀ + bias once) and then ONE GELU pass out = GELU(pre). Before the epilogue this was a bias-less GEMM
// and Backend.biasGelu's one pass (read y, write pre and out): the same single launch after the GEMM, and one full
// pass over the output more.
//
// Why not cuBLASLt's GELU epilogues as well (CUBLASLT_EPILOGUE_GELU_BIAS, or GELU_AUX_BIAS, which also stores pre for
// the backward): cuBLASLt's GELU is the tanh approximation only, while Lethe's ViT uses the exact (erf) GELU by
// default, as PyTorch's nn.GELU does; for GELU_TANH it would still differ from Lethe's own GELU_TANH kernel in the last
// bits (NVIDIA does not specify its rounding) so the cuda backend would disagree with cpu and ref beyond the GEMM's
// bound; its aux output needs a leading dimension divisible by 8; and the emulator would need a twin of an
// unspecified function. So the activation stays Lethe's kernel, one launch after the GEMM.
//
// The gradient is GELU's backward against pre (one pass) and the linear layer's (F.linear's: dy · weight, xᵀ · dy,
// and for the bias the sum of dy over rows).
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class FusedLinear {
    private FusedLinear() {}

    /** gelu(F.linear(x, weight, bias)) (exact GELU, or the tanh approximation), bias [out] required. */
    public static Tensor linearGelu(Tensor x, Tensor weight, Tensor bias, boolean tanh) {
        if (bias == null || bias.rank() != 1 || weight.rank() != 2 || bias.shape().dim(0) != weight.shape().dim(0))
            throw new IllegalArgumentException("linearGelu: bias must have shape [" + (weight.rank() == 2 ? weight.shape().dim(0) : "out")
                    + "], got " + (bias == null ? "null" : bias.shape()));
        return F.gelu(F.linear(x, weight, bias), tanh);
    }
}
