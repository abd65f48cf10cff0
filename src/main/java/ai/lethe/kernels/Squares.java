// Sums of squares for Fisher diagonals, accumulated in place into a contiguous acc (the running diagonal):
//   addSquared                  acc += scale·x²                                  (batch-mean Fisher: x = ∇θ L)
//   perSampleSquaredGemm        acc [M, N] += scale·Σ_b (a_b @ b_b)²             (token-axis Linear, per sample)
//   perSampleSquaredConvWeight  acc [K, C, kh, kw] += scale·Σ_n (dW_n)²           (Conv2d, per sample)
// The per-sample forms never materialise one gradient per sample: each sample's product is squared and added
// as it is computed (see Backend). Inputs may be any layout (copied dense where the kernel needs it) and are
// converted to acc's dtype; acc must be contiguous. Runs under no-grad; acc's storage version is bumped.
package ai.lethe.kernels;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.core.Shape;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;

public final class Squares {
    private Squares() {}

    private static void checkAcc(String op, Tensor acc) {
        Args.tensor(op, "acc", acc);
        if (!acc.isContiguous())
            throw new IllegalArgumentException(op + ": acc of shape " + acc.shape() + " must be contiguous (it is"
                    + " accumulated into in place)");
    }

    /**
     * acc += scale · x², elementwise.
     *
     * @param x     any layout; acc's shape and device
     * @param acc   contiguous accumulator, updated in place
     * @param scale a finite factor (e.g. 1/number of batches)
     */
    public static void addSquared(Tensor x, Tensor acc, double scale) {
        String op = "addSquared";
        checkAcc(op, acc);
        Args.like(op, "x", x, "acc", acc);
        Args.finite(op, "scale", scale);
        try (var _ = GradMode.noGrad(); var _ = Scope.open(op)) {
            Tensor xs = x.dtype() == acc.dtype() ? x : x.to(acc.dtype());
            acc.backend().addSquared(xs.kernelView(), acc.kernelView(), scale);
            acc.markModified();
        }
    }

    /**
     * acc [M, N] += scale · Σ_b (a_b @ b_b)²: the sum over samples of each sample's squared product. For the
     * weight [out, in] of a Linear applied over tokens: a = the per-sample output gradients transposed
     * [B, out, T] (e.g. {@code gradOut.transpose(1, 2)}, not copied), b = the per-sample inputs [B, T, in].
     *
     * @param a   [B, M, T], any layout
     * @param b   [B, T, N], any layout, a's device
     * @param acc [M, N], contiguous
     */
    public static void perSampleSquaredGemm(Tensor a, Tensor b, Tensor acc, double scale) {
        String op = "perSampleSquaredGemm";
        Args.tensor(op, "a", a);
        Args.tensor(op, "b", b);
        checkAcc(op, acc);
        Args.finite(op, "scale", scale);
        Shape sa = a.shape(), sb = b.shape(), sacc = acc.shape();
        if (sa.rank() != 3 || sb.rank() != 3 || sacc.rank() != 2 || sb.dim(0) != sa.dim(0) || sb.dim(1) != sa.dim(2)
                || sacc.dim(0) != sa.dim(1) || sacc.dim(1) != sb.dim(2))
            throw new IllegalArgumentException(op + ": expected a [B, M, T], b [B, T, N] and acc [M, N], got a " + sa
                    + ", b " + sb + " and acc " + sacc);
        Args.sameDevice(op, "a", a, "acc", acc);
        Args.sameDevice(op, "b", b, "acc", acc);
        try (var _ = GradMode.noGrad(); var _ = Scope.open(op)) {
            Tensor ac = a.dtype() == acc.dtype() ? a : a.to(acc.dtype()), bc = b.dtype() == acc.dtype() ? b : b.to(acc.dtype());
            acc.backend().perSampleSquaredGemm(ac.kernelView(), bc.kernelView(), acc.kernelView(), scale);
            acc.markModified();
        }
    }

    /**
     * acc [K, C, kh, kw] += scale · Σ_n (dW_n)², dW_n = the gradient of conv2d(x, w) with respect to w for
     * sample n alone (what {@code conv2dBackwardWeight} gives for a batch of that one sample).
     *
     * @param dy       [N, K, OH, OW]: the output gradient, OH and OW as conv2d gives them
     * @param x        [N, C, H, W]: the input
     * @param acc      [K, C, kh, kw] contiguous: the kernel size is taken from it
     * @param stride   (sh, sw), @param padding (ph, pw), @param dilation (dh, dw), as for conv2d
     */
    public static void perSampleSquaredConvWeight(Tensor dy, Tensor x, Tensor acc, int[] stride, int[] padding,
                                                  int[] dilation, double scale) {
        String op = "perSampleSquaredConvWeight";
        Args.tensor(op, "dy", dy);
        Args.tensor(op, "x", x);
        checkAcc(op, acc);
        Args.finite(op, "scale", scale);
        pair(op, "stride", stride);
        pair(op, "padding", padding);
        pair(op, "dilation", dilation);
        Shape sx = x.shape(), sdy = dy.shape(), sw = acc.shape();
        if (sx.rank() != 4 || sw.rank() != 4 || sdy.rank() != 4)
            throw new IllegalArgumentException(op + ": expected dy [N, K, OH, OW], x [N, C, H, W] and acc [K, C, kh, kw],"
                    + " got dy " + sdy + ", x " + sx + " and acc " + sw);
        if (sw.dim(1) != sx.dim(1))
            throw new IllegalArgumentException(op + ": x of shape " + sx + " has " + sx.dim(1) + " channels but acc of shape "
                    + sw + " expects " + sw.dim(1));
        Conv2dGeometry g;
        try {
            g = new Conv2dGeometry(sx.dim(0), sx.dim(1), sx.dim(2), sx.dim(3), sw.dim(0), sw.dim(2), sw.dim(3),
                    stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
        Shape expected = Shape.of(g.n(), g.k(), g.outH(), g.outW());
        if (!sdy.equals(expected))
            throw new IllegalArgumentException(op + ": dy has shape " + sdy + " but the convolution of x " + sx + " with a "
                    + sw + " kernel gives " + expected);
        Args.sameDevice(op, "dy", dy, "acc", acc);
        Args.sameDevice(op, "x", x, "acc", acc);
        try (var _ = GradMode.noGrad(); var _ = Scope.open(op)) {
            Tensor dyc = Args.dense(dy, acc), xc = Args.dense(x, acc);
            acc.backend().perSampleSquaredConvWeight(dyc.kernelView(), xc.kernelView(), acc.kernelView(), g, scale);
            acc.markModified();
        }
    }

    private static void pair(String op, String name, int[] v) {
        if (v == null || v.length != 2)
            throw new IllegalArgumentException(op + ": " + name + " must have 2 values (height, width), got "
                    + (v == null ? "null" : java.util.Arrays.toString(v)));
    }
}
