// 2-D average pooling (torch.nn.AvgPool2d): stride defaults to the kernel size; countIncludePad (default
// true) divides by the full window, padding included.
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class AvgPool2d extends Module {
    private final Pair2 kernel, stride, padding;
    private final boolean ceilMode, countIncludePad;

    public AvgPool2d(int kernel) { this(Pair2.of(kernel), Pair2.of(kernel), Pair2.of(0), false, true); }

    public AvgPool2d(int kernel, int stride, int padding) { this(Pair2.of(kernel), Pair2.of(stride), Pair2.of(padding), false, true); }

    public AvgPool2d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        this(Pair2.of(kernel), Pair2.of(stride), Pair2.of(padding), ceilMode, countIncludePad);
    }

    /** {kh, kw}, {sh, sw} (null: the kernel size), {ph, pw}. */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        this(Pair2.of(kernel, "AvgPool2d", "kernel_size"), stride == null ? Pair2.of(kernel, "AvgPool2d", "kernel_size")
                : Pair2.of(stride, "AvgPool2d", "stride"), Pair2.of(padding, "AvgPool2d", "padding"), ceilMode, countIncludePad);
    }

    private AvgPool2d(Pair2 kernel, Pair2 stride, Pair2 padding, boolean ceilMode, boolean countIncludePad) {
        this.kernel = kernel.atLeast(1, "AvgPool2d", "kernel_size");
        this.stride = stride.atLeast(1, "AvgPool2d", "stride");
        this.padding = padding.atLeast(0, "AvgPool2d", "padding");
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override protected Tensor compute(Tensor x) {
        return F.avgPool2d(x, kernel.array(), stride.array(), padding.array(), ceilMode, countIncludePad);
    }

    @Override protected String extraRepr() {
        return "kernel_size=" + kernel.repr() + ", stride=" + stride.repr() + ", padding=" + padding.repr();
    }
}
