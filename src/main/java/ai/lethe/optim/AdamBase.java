// What Adam and AdamW share: the moment estimates, the per-parameter step counter for bias correction, the
// fused backend kernel, and the builder. They differ only in how weight decay is applied (coupled L2 for
// Adam, decoupled for AdamW) and in its default (0 and 0.01).
package ai.lethe.optim;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.View;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

public abstract sealed class AdamBase extends Optimizer<AdamOptions> permits Adam, AdamW {
    /** State name of the first-moment average ("state.<i>.exp_avg"). */
    public static final String EXP_AVG = "exp_avg";
    /** State name of the second-moment average ("state.<i>.exp_avg_sq"). */
    public static final String EXP_AVG_SQ = "exp_avg_sq";

    private final boolean decoupled;

    AdamBase(String name, List<ParamGroup<AdamOptions>> groups, boolean decoupled) {
        super(name, groups);
        this.decoupled = decoupled;
    }

    /** True for AdamW: θ ← θ·(1 − lr·wd) before the Adam update, instead of adding wd·θ to the gradient. */
    public final boolean decoupledWeightDecay() { return decoupled; }

    @Override protected final Set<String> stateTensorNames() { return Set.of(EXP_AVG, EXP_AVG_SQ); }

    @Override protected final boolean countsSteps() { return true; }

    @Override protected final void update(AdamOptions o, Tensor param, Tensor grad, Tensor mask, ParamState state) {
        Tensor m = moment(state, EXP_AVG, param), v = moment(state, EXP_AVG_SQ, param);
        long step = state.incrementStep();
        param.backend().adamStep(param.kernelView(), grad.kernelView(), m.kernelView(), v.kernelView(),
                mask == null ? null : mask.kernelView(), params(o, step));
    }

    /**
     * The whole group in one multi-tensor step per backend and step count (Backend.adamStepMulti: one launch on cuda
     * for up to 64 parameters); the same result as update() on each.
     */
    @Override protected final void updateGroup(AdamOptions o, List<Update> updates) {
        Map<List<Object>, List<Update>> byKind = new LinkedHashMap<>();
        for (Update u : updates) {
            long step = u.state().incrementStep();
            byKind.computeIfAbsent(List.of(u.param().backend(), step), k -> new ArrayList<>()).add(u);
        }
        for (var e : byKind.entrySet()) {
            List<Update> us = e.getValue();
            long step = (Long) e.getKey().get(1);
            int n = us.size();
            View[] ps = new View[n], gs = new View[n], ms = new View[n], vs = new View[n], masks = new View[n];
            boolean anyMask = false;
            for (int i = 0; i < n; i++) {
                Update u = us.get(i);
                ps[i] = u.param().kernelView();
                gs[i] = u.grad().kernelView();
                ms[i] = moment(u.state(), EXP_AVG, u.param()).kernelView();
                vs[i] = moment(u.state(), EXP_AVG_SQ, u.param()).kernelView();
                masks[i] = u.mask() == null ? null : u.mask().kernelView();
                anyMask |= u.mask() != null;
            }
            us.getFirst().param().backend().adamStepMulti(ps, gs, ms, vs, anyMask ? masks : null, params(o, step));
        }
    }

    private Tensor moment(ParamState state, String name, Tensor param) {
        Tensor t = state.buffer(name);
        return t != null ? t : newBuffer(state, name, param);
    }

    private AdamParams params(AdamOptions o, long step) {
        return new AdamParams(o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), decoupled, o.maximize(), step);
    }

    /** Adam's hyper-parameters for every group; defaults lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
    public static final class Builder<T extends AdamBase> extends OptimizerBuilder<AdamOptions, Builder<T>, T> {
        private final Function<List<ParamGroup<AdamOptions>>, T> factory;
        private double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay;
        private boolean maximize;

        Builder(double defaultWeightDecay, Function<List<ParamGroup<AdamOptions>>, T> factory) {
            this.weightDecay = defaultWeightDecay;
            this.factory = factory;
        }

        public Builder<T> lr(double lr) { this.lr = lr; return this; }

        public Builder<T> betas(double beta1, double beta2) { this.beta1 = beta1; this.beta2 = beta2; return this; }

        public Builder<T> eps(double eps) { this.eps = eps; return this; }

        public Builder<T> weightDecay(double weightDecay) { this.weightDecay = weightDecay; return this; }

        public Builder<T> maximize(boolean maximize) { this.maximize = maximize; return this; }

        @Override protected AdamOptions defaults() { return new AdamOptions(lr, beta1, beta2, eps, weightDecay, maximize); }

        @Override protected T create(List<ParamGroup<AdamOptions>> groups) { return factory.apply(groups); }
    }
}
