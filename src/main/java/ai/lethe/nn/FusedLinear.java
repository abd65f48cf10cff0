// A Linear layer followed by GELU with the bias add fused into the activation (issue 15; the ViT MLP's fc1 + act):
// y = x @ weightᵀ by the backend's GEMM, then ONE pass pre = y + bias, out = GELU(pre) (Backend.biasGelu; on cuda
// math.cu's bias_gelu_f32) in place of a broadcast add and a GELU launch. cuBLASLt, whose GEMM epilogues would fold the
// bias and GELU into the GEMM itself, is not available to this project (no cuBLASLt binding; the emulator has none),
// so the epilogue is this separate kernel: one launch and one read of y fewer than the unfused ops. The gradient is
// the GELU backward against pre (one pass) and, for the bias, its sum over rows.
package ai.lethe.nn;

import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.UnaryOp;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Node;
import ai.lethe.tensor.Tensor;

public final class FusedLinear {
    private FusedLinear() {}

    /** gelu(F.linear(x, weight, bias)) (exact GELU, or the tanh approximation), bias [out] required. */
    public static Tensor linearGelu(Tensor x, Tensor weight, Tensor bias, boolean tanh) {
        if (bias == null || bias.rank() != 1 || weight.rank() != 2 || bias.shape().dim(0) != weight.shape().dim(0))
            throw new IllegalArgumentException("linearGelu: bias must have shape [" + (weight.rank() == 2 ? weight.shape().dim(0) : "out")
                    + "], got " + (bias == null ? "null" : bias.shape()));
        Tensor y = F.linear(x, weight, null).contiguous();
        long n = y.shape().dim(-1), m = n == 0 ? 0 : y.numel() / n;
        UnaryOp op = tanh ? UnaryOp.GELU_TANH : UnaryOp.GELU_ERF;
        Tensor pre = Tensor.empty(y.shape(), y.dtype(), y.device()), out = Tensor.empty(y.shape(), y.dtype(), y.device());
        Tensor b = bias.contiguous();
        y.backend().biasGelu(y.kernelView().reshaped(m, n), b.kernelView(), pre.kernelView().reshaped(m, n),
                out.kernelView().reshaped(m, n), op);
        return Node.record(out, "linearGelu", new Tensor[] {y, bias}, new Tensor[] {pre}, (g, needs) -> {
            Tensor dpre = Tensor.empty(pre.shape(), pre.dtype(), pre.device());
            pre.backend().binary(tanh ? BinaryOp.GELU_TANH_BACKWARD : BinaryOp.GELU_ERF_BACKWARD, g.kernelView(),
                    pre.kernelView(), dpre.kernelView(), 0, 0);
            Tensor db = needs[1] ? dpre.reshape(Shape.of(m, n).dims()).sum(0) : null;
            return new Tensor[] {needs[0] ? dpre : null, db};
        });
    }
}
