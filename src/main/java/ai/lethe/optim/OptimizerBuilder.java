// The shared part of the optimizers' builders: parameter groups, each taking the builder's hyper-parameters
// with optional per-group overrides, e.g.
//   SGD.builder(decayed).group(biasAndNorm, o -> o.withWeightDecay(0)).lr(0.1).momentum(0.9).weightDecay(5e-4).build()
// Overrides apply to the final defaults at build(), whatever the order of the calls.
package ai.lethe.optim;

import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

public abstract class OptimizerBuilder<O extends GroupOptions<O>, B extends OptimizerBuilder<O, B, T>, T extends Optimizer<O>> {
    private final List<List<Tensor>> groupParams = new ArrayList<>();
    private final List<UnaryOperator<O>> overrides = new ArrayList<>();

    protected OptimizerBuilder() {}

    /** Adds a parameter group with the builder's hyper-parameters. */
    public final B group(Iterable<Tensor> params) { return group(params, UnaryOperator.identity()); }

    /** Adds a parameter group whose hyper-parameters are {@code overrides} applied to the builder's. */
    public final B group(Iterable<Tensor> params, UnaryOperator<O> overrides) {
        List<Tensor> list = new ArrayList<>();
        Objects.requireNonNull(params, "params").forEach(p -> list.add(Objects.requireNonNull(p, "a parameter is null")));
        groupParams.add(list);
        this.overrides.add(Objects.requireNonNull(overrides, "overrides"));
        return self();
    }

    /** The builder's hyper-parameters, validated (an IllegalArgumentException names a bad one). */
    protected abstract O defaults();

    /** The optimizer over {@code groups}. */
    protected abstract T create(List<ParamGroup<O>> groups);

    @SuppressWarnings("unchecked")
    protected final B self() { return (B) this; }

    public final T build() {
        O d = defaults();
        List<ParamGroup<O>> groups = new ArrayList<>();
        for (int g = 0; g < groupParams.size(); g++) {
            O o = Objects.requireNonNull(overrides.get(g).apply(d), "the overrides of group " + g + " returned null");
            groups.add(new ParamGroup<>(groupParams.get(g), o));
        }
        return create(groups);
    }
}
