// The raw per-sample weight gradients of a Conv2d, one per sample, each written straight into its destination
// (typically its sample's row of a per-sample gradient matrix, as Influence Unlearning's G): dW_n =
// conv2dBackwardWeight of sample n alone, the same kernel a batch of one runs, so each row equals what a
// single-sample backward pass gives its weight. No activation is recomputed: the caller already has the batch's
// input x and output gradient dy from one forward/backward pass. (Squares.perSampleSquaredConvWeight is the
// squared-and-summed sibling that never materialises the per-sample gradients.)
package ai.lethe.kernels;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.core.Shape;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.Arrays;

public final class PerSampleConvWeight {
    private PerSampleConvWeight() {}

    /**
     * out[n] = the gradient of conv2d(x, w) with respect to w for sample n alone, for every n.
     *
     * @param dy       [N, K, OH, OW]: the output gradient, OH and OW as conv2d gives them
     * @param x        [N, C, H, W]: the input, dy's device
     * @param out      [N, K, C, kh, kw] of x's dtype and device, overwritten; each out[n] contiguous (rows of a
     *                 larger matrix are fine: only dimension 0 may have any stride); the kernel size is taken from it
     * @param stride   (sh, sw), @param padding (ph, pw), @param dilation (dh, dw), as for conv2d
     */
    public static void write(Tensor dy, Tensor x, Tensor out, int[] stride, int[] padding, int[] dilation) {
        String op = "PerSampleConvWeight.write";
        Args.tensor(op, "dy", dy);
        Args.tensor(op, "x", x);
        Args.tensor(op, "out", out);
        Shape sx = x.shape(), sdy = dy.shape(), so = out.shape();
        if (sx.rank() != 4 || sdy.rank() != 4 || so.rank() != 5 || so.dim(0) != sx.dim(0) || so.dim(2) != sx.dim(1))
            throw new IllegalArgumentException(op + ": expected dy [N, K, OH, OW], x [N, C, H, W] and out [N, K, C, kh, kw],"
                    + " got dy " + sdy + ", x " + sx + " and out " + so);
        pair(op, "stride", stride);
        pair(op, "padding", padding);
        pair(op, "dilation", dilation);
        if (out.dtype() != x.dtype())
            throw new IllegalArgumentException(op + ": out has dtype " + out.dtype() + " but x has " + x.dtype());
        Args.sameDevice(op, "dy", dy, "out", out);
        Args.sameDevice(op, "x", x, "out", out);
        Conv2dGeometry one;
        try {
            one = new Conv2dGeometry(1, sx.dim(1), sx.dim(2), sx.dim(3), so.dim(1), so.dim(3), so.dim(4),
                    stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
        Shape expected = Shape.of(sx.dim(0), one.k(), one.outH(), one.outW());
        if (!sdy.equals(expected))
            throw new IllegalArgumentException(op + ": dy has shape " + sdy + " but the convolution of x " + sx + " with a "
                    + Shape.of(so.dim(1), so.dim(2), so.dim(3), so.dim(4)) + " kernel gives " + expected);
        try (var _ = GradMode.noGrad(); var _ = Scope.open(op)) {
            Tensor dyc = Args.dense(dy, out), xc = Args.dense(x, out);
            for (long n = 0; n < sx.dim(0); n++) {
                Tensor dst = out.select(0, n);
                if (!dst.isContiguous())
                    throw new IllegalArgumentException(op + ": out[" + n + "] of shape " + dst.shape() + " is not contiguous");
                out.backend().conv2dBackwardWeight(dyc.select(0, n).unsqueeze(0).kernelView(),
                        xc.select(0, n).unsqueeze(0).kernelView(), dst.kernelView(), one);
            }
            out.markModified();
        }
    }

    private static void pair(String op, String name, int[] v) {
        if (v == null || v.length != 2)
            throw new IllegalArgumentException(op + ": " + name + " must have 2 values (height, width), got "
                    + (v == null ? "null" : Arrays.toString(v)));
    }
}
