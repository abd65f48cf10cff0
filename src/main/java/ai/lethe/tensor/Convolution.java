// 2-D convolution (NCHW, groups 1) with its gradients: the forward, backward-data and backward-weight kernels
// come from the backend (im2col + GEMM on cpu, cuDNN or im2col on cuda, loops on ref); the bias gradient is a
// sum of the incoming gradient over batch and positions.
package ai.lethe.tensor;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Precision;
import ai.lethe.core.Shape;

public final class Convolution {
    private Convolution() {}

    /**
     * @param x        [N, C, H, W]
     * @param weight   [K, C, kh, kw]
     * @param bias     [K] or null
     * @param stride   (sh, sw), @param padding (ph, pw), @param dilation (dh, dw)
     * @return [N, K, OH, OW]
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation) {
        Ops.check("conv2d", x, weight, bias);
        Ops.requireFloat("conv2d", x);
        Ops.sameDType("conv2d", x, weight);
        if (x.rank() != 4)
            throw new IllegalArgumentException("conv2d: input must be 4-D [N, C, H, W], got shape " + x.shape());
        if (weight.rank() != 4)
            throw new IllegalArgumentException("conv2d: weight must be 4-D [K, C, kh, kw], got shape " + weight.shape());
        if (weight.shape().dim(1) != x.shape().dim(1))
            throw new IllegalArgumentException("conv2d: input of shape " + x.shape() + " has " + x.shape().dim(1)
                    + " channels but weight of shape " + weight.shape() + " expects " + weight.shape().dim(1));
        if (bias != null) {
            Ops.sameDType("conv2d", x, bias);
            if (bias.rank() != 1 || bias.shape().dim(0) != weight.shape().dim(0))
                throw new IllegalArgumentException("conv2d: bias must have shape [" + weight.shape().dim(0) + "], got " + bias.shape());
        }
        check2("conv2d", "stride", stride);
        check2("conv2d", "padding", padding);
        check2("conv2d", "dilation", dilation);
        long[] xs = x.shape().dims(), ws = weight.shape().dims();
        Conv2dGeometry g = new Conv2dGeometry(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3],
                stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]);
        Tensor xc = x.contiguous(), wc = weight.contiguous(), bc = bias == null ? null : bias.contiguous();
        Tensor out = Tensor.empty(Shape.of(g.n(), g.k(), g.outH(), g.outW()), x.dtype(), x.device());
        x.backend().conv2d(xc.kernelView(), wc.kernelView(), bc == null ? null : bc.kernelView(), out.kernelView(), g);
        Precision precision = Precision.current();   // the gradients run at the forward's precision (as autocast)
        return Node.record(out, "conv2d", new Tensor[] {x, weight, bias}, new Tensor[] {xc, wc}, (gy, needs) -> {
            try (Precision.Scope ignored = Precision.autocast(precision)) {
                return conv2dBackward(gy, needs, x, weight, xc, wc, g);
            }
        });
    }

    private static Tensor[] conv2dBackward(Tensor gy, boolean[] needs, Tensor x, Tensor weight, Tensor xc, Tensor wc,
                                           Conv2dGeometry g) {
        Tensor dy = gy.contiguous();
        Tensor dx = null, dw = null, db = null;
        if (needs[0]) {
            dx = Tensor.empty(x.shape(), x.dtype(), x.device());
            dx.backend().conv2dBackwardInput(dy.kernelView(), wc.kernelView(), dx.kernelView(), g);
        }
        if (needs[1]) {
            dw = Tensor.empty(weight.shape(), weight.dtype(), weight.device());
            dw.backend().conv2dBackwardWeight(dy.kernelView(), xc.kernelView(), dw.kernelView(), g);
        }
        if (needs[2]) db = dy.sum(0, 2, 3);
        return new Tensor[] {dx, dw, db};
    }

    static void check2(String op, String what, int[] v) {
        if (v == null || v.length != 2)
            throw new IllegalArgumentException(op + ": " + what + " must have 2 values (height, width), got "
                    + (v == null ? "null" : java.util.Arrays.toString(v)));
    }
}
