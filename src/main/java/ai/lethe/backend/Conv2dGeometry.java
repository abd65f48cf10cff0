// The sizes of one 2-D convolution (NCHW input, KCRS weight), validated once, shared by every backend: sizes,
// strides, paddings and dilations in range, the padded input at least the dilated kernel, and every size the
// kernels derive (padded extents, output sizes, operand element counts) computed without overflowing a long.
package ai.lethe.backend;

/**
 * @param n batch, @param c input channels, @param h input height, @param w input width,
 * @param k output channels, @param kh kernel height, @param kw kernel width,
 * strides, paddings and dilations per axis.
 */
public record Conv2dGeometry(long n, long c, long h, long w, long k, long kh, long kw,
                             long strideH, long strideW, long padH, long padW, long dilationH, long dilationW) {
    public Conv2dGeometry {
        if (n < 0 || c <= 0 || h <= 0 || w <= 0 || k <= 0 || kh <= 0 || kw <= 0)
            throw new IllegalArgumentException("conv2d: bad sizes " + describe(n, c, h, w, k, kh, kw));
        if (strideH <= 0 || strideW <= 0 || dilationH <= 0 || dilationW <= 0 || padH < 0 || padW < 0)
            throw new IllegalArgumentException("conv2d: stride and dilation must be >= 1 and padding >= 0, got stride ("
                    + strideH + ", " + strideW + ") padding (" + padH + ", " + padW + ") dilation ("
                    + dilationH + ", " + dilationW + ")");
        long paddedH, paddedW, spanH, spanW;
        try {
            paddedH = Math.addExact(h, Math.multiplyExact(2, padH));
            paddedW = Math.addExact(w, Math.multiplyExact(2, padW));
            spanH = Math.addExact(Math.multiplyExact(dilationH, kh - 1), 1);
            spanW = Math.addExact(Math.multiplyExact(dilationW, kw - 1), 1);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("conv2d: padded input or dilated kernel overflows a 64-bit size: input "
                    + h + "x" + w + " padding (" + padH + ", " + padW + "), kernel " + kh + "x" + kw + " dilation ("
                    + dilationH + ", " + dilationW + ")");
        }
        if (paddedH < spanH || paddedW < spanW)
            throw new IllegalArgumentException("conv2d: input " + h + "x" + w + " (padded " + paddedH + "x" + paddedW
                    + ") is smaller than the kernel " + kh + "x" + kw);
        long oh = (paddedH - spanH) / strideH + 1, ow = (paddedW - spanW) / strideW + 1;
        ViewChecks.product("conv2d", "input [N, C, H, W]", n, c, h, w);
        ViewChecks.product("conv2d", "weight [K, C, kh, kw]", k, c, kh, kw);
        ViewChecks.product("conv2d", "output [N, K, OH, OW]", n, k, oh, ow);
        ViewChecks.product("conv2d", "the column matrix [C, kh, kw, OH, OW]", c, kh, kw, oh, ow);
        ViewChecks.product("conv2d", "the padded plane [H + 2 padH, W + 2 padW]", paddedH, paddedW);
    }

    private static String describe(long n, long c, long h, long w, long k, long kh, long kw) {
        return "input [" + n + ", " + c + ", " + h + ", " + w + "], weight [" + k + ", " + c + ", " + kh + ", " + kw + "]";
    }

    public long outH() { return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1; }

    public long outW() { return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1; }

    /** Shape of the input x (and of its gradient): [N, C, H, W]. */
    public long[] inputShape() { return new long[] {n, c, h, w}; }

    /** Shape of the weight (and of its gradient): [K, C, kh, kw]. */
    public long[] weightShape() { return new long[] {k, c, kh, kw}; }

    /** Shape of the output (and of its gradient dy): [N, K, OH, OW]. */
    public long[] outputShape() { return new long[] {n, k, outH(), outW()}; }
}
