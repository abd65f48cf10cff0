// The sizes of one 2-D pooling window over an NCHW tensor. The output size is given (ceil_mode decides it).
package ai.lethe.backend;

public record Pool2dGeometry(long n, long c, long h, long w, long kh, long kw, long strideH, long strideW,
                             long padH, long padW, long outH, long outW, boolean countIncludePad) {
    public Pool2dGeometry {
        if (kh <= 0 || kw <= 0 || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0)
            throw new IllegalArgumentException("pool2d: kernel and stride must be >= 1 and padding >= 0, got kernel ("
                    + kh + ", " + kw + ") stride (" + strideH + ", " + strideW + ") padding (" + padH + ", " + padW + ")");
        if (padH * 2 > kh || padW * 2 > kw)
            throw new IllegalArgumentException("pool2d: padding (" + padH + ", " + padW
                    + ") must be at most half the kernel (" + kh + ", " + kw + ")");
        if (outH <= 0 || outW <= 0)
            throw new IllegalArgumentException("pool2d: input " + h + "x" + w + " is too small for kernel " + kh + "x" + kw);
    }
}
