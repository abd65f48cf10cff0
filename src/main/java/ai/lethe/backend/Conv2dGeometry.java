// The sizes of one 2-D convolution (NCHW input, KCRS weight), validated once, shared by every backend.
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
        long oh = (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1;
        long ow = (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1;
        if (h + 2 * padH < dilationH * (kh - 1) + 1 || w + 2 * padW < dilationW * (kw - 1) + 1 || oh <= 0 || ow <= 0)
            throw new IllegalArgumentException("conv2d: input " + h + "x" + w + " (padded " + (h + 2 * padH) + "x"
                    + (w + 2 * padW) + ") is smaller than the kernel " + kh + "x" + kw);
    }

    private static String describe(long n, long c, long h, long w, long k, long kh, long kw) {
        return "input [" + n + ", " + c + ", " + h + ", " + w + "], weight [" + k + ", " + c + ", " + kh + ", " + kw + "]";
    }

    public long outH() { return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1; }

    public long outW() { return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1; }
}
