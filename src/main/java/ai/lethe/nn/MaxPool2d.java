// 2-D max pooling (torch.nn.MaxPool2d, dilation 1): stride defaults to the kernel size.
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class MaxPool2d extends Module {
    private final Pair2 kernel, stride, padding;
    private final boolean ceilMode;

    public MaxPool2d(int kernel) { this(Pair2.of(kernel), Pair2.of(kernel), Pair2.of(0), false); }

    public MaxPool2d(int kernel, int stride, int padding) { this(Pair2.of(kernel), Pair2.of(stride), Pair2.of(padding), false); }

    public MaxPool2d(int kernel, int stride, int padding, boolean ceilMode) {
        this(Pair2.of(kernel), Pair2.of(stride), Pair2.of(padding), ceilMode);
    }

    /** {kh, kw}, {sh, sw} (null: the kernel size), {ph, pw}. */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        this(Pair2.of(kernel, "MaxPool2d", "kernel_size"), stride == null ? Pair2.of(kernel, "MaxPool2d", "kernel_size")
                : Pair2.of(stride, "MaxPool2d", "stride"), Pair2.of(padding, "MaxPool2d", "padding"), ceilMode);
    }

    private MaxPool2d(Pair2 kernel, Pair2 stride, Pair2 padding, boolean ceilMode) {
        this.kernel = kernel.atLeast(1, "MaxPool2d", "kernel_size");
        this.stride = stride.atLeast(1, "MaxPool2d", "stride");
        this.padding = padding.atLeast(0, "MaxPool2d", "padding");
        this.ceilMode = ceilMode;
    }

    @Override protected Tensor compute(Tensor x) {
        return F.maxPool2d(x, kernel.array(), stride.array(), padding.array(), ceilMode);
    }

    @Override protected String extraRepr() {
        return "kernel_size=" + kernel.repr() + ", stride=" + stride.repr() + ", padding=" + padding.repr()
                + ", dilation=1, ceil_mode=" + Repr.pyBool(ceilMode);
    }
}
