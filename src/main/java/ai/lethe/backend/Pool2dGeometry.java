// The sizes of one 2-D pooling window over an NCHW tensor. The output size is given (ceil_mode decides it) and
// must be the floor- or the ceil-mode size of PyTorch's formula; every size is checked without overflowing a long.
package ai.lethe.backend;

public record Pool2dGeometry(long n, long c, long h, long w, long kh, long kw, long strideH, long strideW,
                             long padH, long padW, long outH, long outW, boolean countIncludePad) {
    public Pool2dGeometry {
        if (n < 0 || c < 0 || h < 0 || w < 0)
            throw new IllegalArgumentException("pool2d: input sizes must be >= 0, got [" + n + ", " + c + ", " + h + ", " + w + "]");
        if (kh <= 0 || kw <= 0 || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0)
            throw new IllegalArgumentException("pool2d: kernel and stride must be >= 1 and padding >= 0, got kernel ("
                    + kh + ", " + kw + ") stride (" + strideH + ", " + strideW + ") padding (" + padH + ", " + padW + ")");
        if (padH > kh / 2 || padW > kw / 2)
            throw new IllegalArgumentException("pool2d: padding (" + padH + ", " + padW
                    + ") must be at most half the kernel (" + kh + ", " + kw + ")");
        if (outH <= 0 || outW <= 0)
            throw new IllegalArgumentException("pool2d: input " + h + "x" + w + " is too small for kernel " + kh + "x" + kw);
        checkOutSize("height", h, kh, strideH, padH, outH);
        checkOutSize("width", w, kw, strideW, padW, outW);
        ViewChecks.product("pool2d", "input [N, C, H, W]", n, c, h, w);
        ViewChecks.product("pool2d", "output [N, C, OH, OW]", n, c, outH, outW);
    }

    /** out must be the floor-mode size or the ceil-mode size (whose last window starts inside the padded input). */
    private static void checkOutSize(String axis, long in, long k, long s, long p, long out) {
        long span;
        try {
            span = Math.addExact(in, Math.multiplyExact(2, p)) - k;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("pool2d: padded input " + axis + " overflows a 64-bit size");
        }
        if (span < 0)
            throw new IllegalArgumentException("pool2d: input " + axis + " " + in + " (padding " + p
                    + ") is smaller than the kernel " + k);
        long floor = span / s + 1;
        long ceil = span / s + (span % s == 0 ? 0 : 1) + 1;
        if (ceil > floor && ceil - 1 >= Math.ceilDiv(in + p, s)) ceil = floor;   // (ceil - 1)·s >= in + p
        if (out != floor && out != ceil)
            throw new IllegalArgumentException("pool2d: output " + axis + " " + out + " is neither the floor-mode ("
                    + floor + ") nor the ceil-mode (" + ceil + ") size for input " + in + ", kernel " + k + ", stride "
                    + s + ", padding " + p);
    }

    /** Shape of the input x (and of its gradient): [N, C, H, W]. */
    public long[] inputShape() { return new long[] {n, c, h, w}; }

    /** Shape of the output (and of its gradient dy and of max pooling's indices): [N, C, OH, OW]. */
    public long[] outputShape() { return new long[] {n, c, outH, outW}; }
}
