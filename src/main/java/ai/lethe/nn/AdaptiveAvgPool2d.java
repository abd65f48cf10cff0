// Adaptive average pooling to a fixed output size (torch.nn.AdaptiveAvgPool2d); (1, 1) is global average pooling.
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class AdaptiveAvgPool2d extends Module {
    private final Pair2 output;

    /** Square output size × size. */
    public AdaptiveAvgPool2d(int size) { this(Pair2.of(size)); }

    public AdaptiveAvgPool2d(int outH, int outW) { this(new Pair2(outH, outW, false)); }

    private AdaptiveAvgPool2d(Pair2 output) { this.output = output.atLeast(1, "AdaptiveAvgPool2d", "output_size"); }

    @Override protected Tensor compute(Tensor x) {
        return F.adaptiveAvgPool2d(x, output.h(), output.w());
    }

    @Override protected String extraRepr() { return "output_size=" + output.repr(); }
}
