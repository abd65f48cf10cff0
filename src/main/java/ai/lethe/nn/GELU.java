// Gaussian error linear unit (torch.nn.GELU): exact x·Φ(x), or the tanh approximation (approximate='tanh').
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class GELU extends Module {
    private final boolean approximateTanh;

    public GELU() { this(false); }

    public GELU(boolean approximateTanh) { this.approximateTanh = approximateTanh; }

    public boolean approximateTanh() { return approximateTanh; }

    @Override protected Tensor compute(Tensor x) {
        return F.gelu(x, approximateTanh);
    }

    @Override protected String extraRepr() { return "approximate='" + (approximateTanh ? "tanh" : "none") + "'"; }
}
