// Max, average and adaptive-average 2-D pooling over NCHW tensors with their gradients; output sizes follow
// PyTorch (floor or ceil mode, the last window must start inside the padded input).
package ai.lethe.tensor;

import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;

public final class Pooling {
    private Pooling() {}

    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        Pool2dGeometry g = geometry("maxPool2d", x, kernel, stride, padding, ceilMode, true);
        Tensor xc = x.contiguous();
        Tensor out = Tensor.empty(Shape.of(g.n(), g.c(), g.outH(), g.outW()), x.dtype(), x.device());
        Tensor indices = Tensor.empty(out.shape(), DType.INT64, x.device());
        x.backend().maxPool2d(xc.kernelView(), out.kernelView(), indices.kernelView(), g);
        return Node.record(out, "maxPool2d", new Tensor[] {x}, new Tensor[] {indices}, (gy, needs) -> {
            Tensor dx = Tensor.empty(x.shape(), x.dtype(), x.device());
            x.backend().maxPool2dBackward(gy.contiguous().kernelView(), indices.kernelView(), dx.kernelView(), g);
            return new Tensor[] {dx};
        });
    }

    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad) {
        Pool2dGeometry g = geometry("avgPool2d", x, kernel, stride, padding, ceilMode, countIncludePad);
        Tensor xc = x.contiguous();
        Tensor out = Tensor.empty(Shape.of(g.n(), g.c(), g.outH(), g.outW()), x.dtype(), x.device());
        x.backend().avgPool2d(xc.kernelView(), out.kernelView(), g);
        return Node.record(out, "avgPool2d", new Tensor[] {x}, new Tensor[0], (gy, needs) -> {
            Tensor dx = Tensor.empty(x.shape(), x.dtype(), x.device());
            x.backend().avgPool2dBackward(gy.contiguous().kernelView(), dx.kernelView(), g);
            return new Tensor[] {dx};
        });
    }

    public static Tensor adaptiveAvgPool2d(Tensor x, long outH, long outW) {
        Ops.check("adaptiveAvgPool2d", x);
        Ops.requireFloat("adaptiveAvgPool2d", x);
        if (x.rank() != 4)
            throw new IllegalArgumentException("adaptiveAvgPool2d: input must be 4-D [N, C, H, W], got shape " + x.shape());
        if (outH <= 0 || outW <= 0)
            throw new IllegalArgumentException("adaptiveAvgPool2d: output size must be positive, got " + outH + "x" + outW);
        long[] d = x.shape().dims();
        if (d[2] == 0 || d[3] == 0)
            throw new IllegalArgumentException("adaptiveAvgPool2d: input of shape " + x.shape() + " has an empty plane");
        Tensor xc = x.contiguous();
        Tensor out = Tensor.empty(Shape.of(d[0], d[1], outH, outW), x.dtype(), x.device());
        x.backend().adaptiveAvgPool2d(xc.kernelView(), out.kernelView());
        return Node.record(out, "adaptiveAvgPool2d", new Tensor[] {x}, new Tensor[0], (gy, needs) -> {
            Tensor dx = Tensor.empty(x.shape(), x.dtype(), x.device());
            x.backend().adaptiveAvgPool2dBackward(gy.contiguous().kernelView(), dx.kernelView());
            return new Tensor[] {dx};
        });
    }

    private static Pool2dGeometry geometry(String op, Tensor x, int[] kernel, int[] stride, int[] padding,
                                           boolean ceilMode, boolean countIncludePad) {
        Ops.check(op, x);
        Ops.requireFloat(op, x);
        if (x.rank() != 4) throw new IllegalArgumentException(op + ": input must be 4-D [N, C, H, W], got shape " + x.shape());
        Convolution.check2(op, "kernel size", kernel);
        Convolution.check2(op, "stride", stride);
        Convolution.check2(op, "padding", padding);
        long[] d = x.shape().dims();
        long oh = outSize(op, d[2], kernel[0], stride[0], padding[0], ceilMode);
        long ow = outSize(op, d[3], kernel[1], stride[1], padding[1], ceilMode);
        return new Pool2dGeometry(d[0], d[1], d[2], d[3], kernel[0], kernel[1], stride[0], stride[1],
                padding[0], padding[1], oh, ow, countIncludePad);
    }

    static long outSize(String op, long in, long k, long s, long p, boolean ceil) {
        if (k <= 0 || s <= 0) throw new IllegalArgumentException(op + ": kernel and stride must be positive, got " + k + " and " + s);
        long span = in + 2 * p - k;
        if (span < 0) throw new IllegalArgumentException(op + ": input size " + in + " (padding " + p + ") is smaller than the kernel " + k);
        long out = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (out - 1) * s >= in + p) out--;
        return out;
    }
}
