// Dropout: in training, each element is kept with probability 1 − p and scaled by 1/(1 − p); the mask comes
// from the seeded Philox generator, so a seed gives the same mask on every backend.
package ai.lethe.tensor;


public final class Dropout {
    private Dropout() {}

    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
        Ops.check("dropout", x);
        Ops.requireFloat("dropout", x);
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
        if (!training || p == 0) return x;
        if (p == 1) return x.mul(0.0);
        Tensor mask;
        try (var _ = GradMode.noGrad()) {
            Tensor keep = Tensor.bernoulli(x.shape(), 1 - p, gen, x.device());
            mask = x.dtype() == keep.dtype() ? keep : keep.to(x.dtype());
            mask.mulInPlace(1.0 / (1 - p));
        }
        return x.mul(mask);
    }
}
