// Stochastic gradient descent with momentum, dampening, Nesterov, weight decay and maximize, as
// torch.optim.SGD (the first step with momentum sets the buffer to the gradient), plus an optional l1 term
// (d += l1·sign(θ), the gradient of l1·‖θ‖₁, for l1-sparse unlearning). One fused multi-tensor backend step per
// group (Backend.sgdStepMulti: one launch on cuda), masked where a parameter has a mask; the momentum buffer exists only for groups with momentum > 0.
package ai.lethe.optim;

import ai.lethe.backend.SgdParams;
import ai.lethe.backend.View;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class SGD extends Optimizer<SgdOptions> {
    /** State name of the momentum buffer ("state.<i>.momentum_buffer"). */
    public static final String MOMENTUM_BUFFER = "momentum_buffer";

    private SGD(List<ParamGroup<SgdOptions>> groups) { super("SGD", groups); }

    /** A builder whose first group is {@code params}. The lr has no default and must be set. */
    public static Builder builder(Iterable<Tensor> params) { return new Builder().group(params); }

    /** A builder with no groups yet: add them with {@code group(...)}. */
    public static Builder builder() { return new Builder(); }

    @Override protected Set<String> stateTensorNames() { return Set.of(MOMENTUM_BUFFER); }

    @Override protected void update(SgdOptions o, Tensor param, Tensor grad, Tensor mask, ParamState state) {
        boolean first = o.momentum() != 0 && state.buffer(MOMENTUM_BUFFER) == null;
        View buffer = buffer(o, param, state);
        param.backend().sgdStep(param.kernelView(), grad.kernelView(), buffer, mask == null ? null : mask.kernelView(),
                params(o, first));
    }

    /**
     * The whole group in one multi-tensor step per backend and first-step flag (the first step with momentum sets the
     * buffer to the gradient): one launch on cuda for up to 64 parameters; the same result as update() on each.
     */
    @Override protected void updateGroup(SgdOptions o, List<Update> updates) {
        Map<Object, List<Update>> byKind = new LinkedHashMap<>();
        for (Update u : updates) {
            boolean first = o.momentum() != 0 && u.state().buffer(MOMENTUM_BUFFER) == null;
            byKind.computeIfAbsent(List.of(u.param().backend(), first), k -> new ArrayList<>()).add(u);
        }
        for (var e : byKind.entrySet()) {
            List<Update> us = e.getValue();
            boolean first = (Boolean) ((List<?>) e.getKey()).get(1);
            int n = us.size();
            View[] ps = new View[n], gs = new View[n], bs = o.momentum() != 0 ? new View[n] : null, ms = new View[n];
            boolean anyMask = false;
            for (int i = 0; i < n; i++) {
                Update u = us.get(i);
                ps[i] = u.param().kernelView();
                gs[i] = u.grad().kernelView();
                if (bs != null) bs[i] = buffer(o, u.param(), u.state());
                ms[i] = u.mask() == null ? null : u.mask().kernelView();
                anyMask |= u.mask() != null;
            }
            us.getFirst().param().backend().sgdStepMulti(ps, gs, bs, anyMask ? ms : null, params(o, first));
        }
    }

    /** The momentum buffer's view (created, zero, on the first step), or null without momentum. */
    private View buffer(SgdOptions o, Tensor param, ParamState state) {
        if (o.momentum() == 0) return null;
        Tensor b = state.buffer(MOMENTUM_BUFFER);
        if (b == null) b = newBuffer(state, MOMENTUM_BUFFER, param);
        return b.kernelView();
    }

    private static SgdParams params(SgdOptions o, boolean first) {
        return new SgdParams(o.lr(), o.momentum(), o.dampening(), o.weightDecay(), o.l1(), o.nesterov(), o.maximize(), first);
    }

    /** SGD's hyper-parameters for every group (defaults as PyTorch's: no momentum, no decay; no l1). */
    public static final class Builder extends OptimizerBuilder<SgdOptions, Builder, SGD> {
        private double lr = Double.NaN, momentum, dampening, weightDecay, l1;
        private boolean nesterov, maximize;

        private Builder() {}

        public Builder lr(double lr) { this.lr = lr; return this; }

        public Builder momentum(double momentum) { this.momentum = momentum; return this; }

        public Builder dampening(double dampening) { this.dampening = dampening; return this; }

        public Builder weightDecay(double weightDecay) { this.weightDecay = weightDecay; return this; }

        /** The l1 penalty: d += l1·sign(θ) (default 0; must be a finite number >= 0). */
        public Builder l1(double l1) { this.l1 = l1; return this; }

        public Builder nesterov(boolean nesterov) { this.nesterov = nesterov; return this; }

        public Builder maximize(boolean maximize) { this.maximize = maximize; return this; }

        @Override protected SgdOptions defaults() {
            if (Double.isNaN(lr)) throw new IllegalArgumentException("SGD: lr is required; set it with lr(...)");
            return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize, l1);
        }

        @Override protected SGD create(List<ParamGroup<SgdOptions>> groups) { return new SGD(groups); }
    }
}
