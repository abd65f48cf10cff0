// One parameter group of an optimizer: its parameters and its own hyper-parameters (so, say, BN and bias
// parameters can skip weight decay), plus the initial lr that schedulers start from (PyTorch's initial_lr).
package ai.lethe.optim;

import ai.lethe.tensor.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

public final class ParamGroup<O extends GroupOptions<O>> {
    private final List<Tensor> params;
    private O options;
    private double initialLr = Double.NaN;

    /** A group of {@code params} (copied) with {@code options}; optimizers take groups from their builders. */
    public ParamGroup(List<Tensor> params, O options) {
        this.params = List.copyOf(params);
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The parameters, in the order their state is numbered. */
    public List<Tensor> params() { return params; }

    public O options() { return options; }

    /** Replaces this group's hyper-parameters (takes effect at the next step). */
    public void setOptions(O options) { this.options = Objects.requireNonNull(options, "options"); }

    public double lr() { return options.lr(); }

    public void setLr(double lr) { options = options.withLr(lr); }

    /** SGD's momentum or Adam's β1 (what OneCycleLR cycles); empty if the optimizer has none. */
    public OptionalDouble cycleMomentum() { return options.cycleMomentum(); }

    /** Sets SGD's momentum or Adam's β1; see {@link GroupOptions#withCycleMomentum}. */
    public void setCycleMomentum(double momentum) { options = options.withCycleMomentum(momentum); }

    /** The lr the first scheduler attached to this group started from; empty before any scheduler. */
    public OptionalDouble initialLr() { return Double.isNaN(initialLr) ? OptionalDouble.empty() : OptionalDouble.of(initialLr); }

    /** Set by schedulers (PyTorch's param_group['initial_lr']). */
    public void setInitialLr(double lr) { initialLr = Check.nonNegative("ParamGroup", "initialLr", lr); }

    @Override public String toString() { return "ParamGroup(" + params.size() + " params, " + options + ")"; }
}
