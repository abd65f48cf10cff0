// Fully connected layer y = x·Wᵀ + b (torch.nn.Linear): weight [out, in], bias [out], both initialised
// U(−1/√in, 1/√in) (kaiming_uniform with a = √5 for the weight, as PyTorch's reset_parameters).
package ai.lethe.nn;

import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

public class Linear extends Module {
    private final long inFeatures, outFeatures;

    public Linear(long inFeatures, long outFeatures) { this(inFeatures, outFeatures, true, Generator.global()); }

    public Linear(long inFeatures, long outFeatures, boolean bias) { this(inFeatures, outFeatures, bias, Generator.global()); }

    public Linear(long inFeatures, long outFeatures, boolean bias, Generator gen) {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new IllegalArgumentException("Linear: feature counts must be positive, got in=" + inFeatures + ", out=" + outFeatures);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        Tensor w = registerParameter("weight", Tensor.empty(outFeatures, inFeatures));
        registerParameter("bias", bias ? Tensor.empty(outFeatures) : null);
        DefaultInit.kaimingUniformWithBias(w, parameter("bias"), gen);
    }

    public long inFeatures() { return inFeatures; }

    public long outFeatures() { return outFeatures; }

    @Override protected Tensor compute(Tensor x) {
        return F.linear(x, parameter("weight"), parameter("bias"));
    }

    @Override protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + Repr.pyBool(parameter("bias") != null);
    }

}
