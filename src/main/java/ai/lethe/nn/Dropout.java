// Dropout (torch.nn.Dropout): in training, zeroes each element with probability p and scales the rest by
// 1/(1 − p), drawing the mask from its Generator; in evaluation (or with p = 0) it returns its input.
package ai.lethe.nn;

import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

public final class Dropout extends Module {
    private final double p;
    private final Generator gen;

    public Dropout(double p) { this(p, Generator.global()); }

    public Dropout(double p, Generator gen) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("Dropout: probability must be in [0, 1], got " + p);
        if (gen == null) throw new IllegalArgumentException("Dropout: generator must not be null");
        this.p = p;
        this.gen = gen;
    }

    public double p() { return p; }

    @Override protected Tensor compute(Tensor x) {
        return F.dropout(x, p, isTraining(), gen);
    }

    @Override protected String extraRepr() { return "p=" + Repr.pyFloat(p) + ", inplace=False"; }
}
