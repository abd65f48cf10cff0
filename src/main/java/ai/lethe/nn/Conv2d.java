// 2-D convolution (torch.nn.Conv2d, groups = 1, zero padding): weight [out, in, kh, kw], optional bias [out],
// PyTorch's default initialisation. Square options through the constructors, anything else through builder().
package ai.lethe.nn;

import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

public class Conv2d extends Module {
    private final long inChannels, outChannels;
    private final int[] kernel, stride, padding, dilation;

    public Conv2d(long inChannels, long outChannels, int kernel) { this(inChannels, outChannels, kernel, 1, 0, true); }

    public Conv2d(long inChannels, long outChannels, int kernel, int stride, int padding, boolean bias) {
        this(inChannels, outChannels, kernel, stride, padding, 1, bias);
    }

    public Conv2d(long inChannels, long outChannels, int kernel, int stride, int padding, int dilation, boolean bias) {
        this(inChannels, outChannels, pair(kernel), pair(stride), pair(padding), pair(dilation), bias, Generator.global());
    }

    /** The general form: {kh, kw}, {sh, sw}, {ph, pw}, {dh, dw}. */
    public Conv2d(long inChannels, long outChannels, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean bias,
                  Generator gen) {
        if (inChannels <= 0 || outChannels <= 0)
            throw new IllegalArgumentException("Conv2d: channel counts must be positive, got in=" + inChannels + ", out=" + outChannels);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = check("kernel_size", kernel, 1);
        this.stride = check("stride", stride, 1);
        this.padding = check("padding", padding, 0);
        this.dilation = check("dilation", dilation, 1);
        Tensor w = registerParameter("weight", Tensor.empty(outChannels, inChannels, this.kernel[0], this.kernel[1]));
        registerParameter("bias", bias ? Tensor.empty(outChannels) : null);
        DefaultInit.kaimingUniformWithBias(w, parameter("bias"), gen);
    }

    public static Builder builder(long inChannels, long outChannels, int kernel) {
        return new Builder(inChannels, outChannels, pair(kernel));
    }

    public static Builder builder(long inChannels, long outChannels, int kernelH, int kernelW) {
        return new Builder(inChannels, outChannels, new int[] {kernelH, kernelW});
    }

    /** Options with PyTorch's defaults: stride 1, padding 0, dilation 1, bias, the global generator. */
    public static final class Builder {
        private final long in, out;
        private final int[] kernel;
        private int[] stride = {1, 1}, padding = {0, 0}, dilation = {1, 1};
        private boolean bias = true;
        private Generator gen = Generator.global();

        private Builder(long in, long out, int[] kernel) {
            this.in = in;
            this.out = out;
            this.kernel = kernel;
        }

        public Builder stride(int s) { return stride(s, s); }

        public Builder stride(int sh, int sw) { stride = new int[] {sh, sw}; return this; }

        public Builder padding(int p) { return padding(p, p); }

        public Builder padding(int ph, int pw) { padding = new int[] {ph, pw}; return this; }

        public Builder dilation(int d) { return dilation(d, d); }

        public Builder dilation(int dh, int dw) { dilation = new int[] {dh, dw}; return this; }

        public Builder bias(boolean b) { bias = b; return this; }

        public Builder generator(Generator g) { gen = g; return this; }

        public Conv2d build() { return new Conv2d(in, out, kernel, stride, padding, dilation, bias, gen); }
    }

    static int[] pair(int v) { return new int[] {v, v}; }

    private static int[] check(String what, int[] v, int min) {
        if (v == null || v.length != 2 || v[0] < min || v[1] < min)
            throw new IllegalArgumentException("Conv2d: " + what + " must be two values >= " + min + ", got " + java.util.Arrays.toString(v));
        return v.clone();
    }

    public long inChannels() { return inChannels; }

    public long outChannels() { return outChannels; }

    public int[] kernelSize() { return kernel.clone(); }

    public int[] stride() { return stride.clone(); }

    public int[] padding() { return padding.clone(); }

    public int[] dilation() { return dilation.clone(); }

    @Override protected Tensor compute(Tensor x) {
        return F.conv2d(x, parameter("weight"), parameter("bias"), stride, padding, dilation);
    }

    @Override protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=").append(Repr.tuple(kernel)).append(", stride=").append(Repr.tuple(stride));
        if (padding[0] != 0 || padding[1] != 0) s.append(", padding=").append(Repr.tuple(padding));
        if (dilation[0] != 1 || dilation[1] != 1) s.append(", dilation=").append(Repr.tuple(dilation));
        if (parameter("bias") == null) s.append(", bias=False");
        return s.toString();
    }
}
