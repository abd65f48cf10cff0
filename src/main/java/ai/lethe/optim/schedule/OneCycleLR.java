// OneCycleLR (torch.optim.lr_scheduler.OneCycleLR), stepped once per batch: lr rises from maxLr/divFactor to
// maxLr over the first pctStart of totalSteps, then falls to initial/finalDivFactor (three-phase: back to the
// initial lr first, then down); momentum (SGD) or β1 (Adam) moves the opposite way between maxMomentum and
// baseMomentum. Defaults as PyTorch's: pctStart 0.3, cosine, divFactor 25, finalDivFactor 1e4, momentum
// 0.85..0.95 cycled. Epoch totalSteps is the last one allowed (the step() after the last batch); its values
// are extrapolated as PyTorch does, except that an lr below 0 (linear annealing) is clamped to 0.
package ai.lethe.optim.schedule;

import ai.lethe.optim.Check;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.ParamGroup;
import java.util.List;
import java.util.Objects;

public final class OneCycleLR extends ClosedFormLR {
    private enum Level { INITIAL, MAX, MIN }

    private record Phase(double endStep, Level startLr, Level endLr, boolean startAtMaxMomentum, boolean endAtMaxMomentum) {}

    private final int totalSteps;
    private final Anneal anneal;
    private final boolean cycleMomentum;
    private final double baseMomentum, maxMomentum;
    private final double[] initialLrs, maxLrs, minLrs;
    private final List<Phase> phases;

    private OneCycleLR(Builder b) {
        Optimizer<?> opt = b.optimizer;
        int n = opt.groups().size();
        double[] max = b.maxLrs.length == 1 && n > 1 ? repeat(b.maxLrs[0], n) : b.maxLrs.clone();
        if (max.length != n)
            throw new IllegalArgumentException("OneCycleLR: " + max.length + " max lrs for " + n + " parameter groups");
        for (double m : max) Check.nonNegative("OneCycleLR", "maxLr", m);
        int total = Check.atLeast("OneCycleLR", "totalSteps", b.totalSteps, 1);
        double pct = Check.inClosed("OneCycleLR", "pctStart", b.pctStart, 0, 1);
        Check.positive("OneCycleLR", "divFactor", b.divFactor);
        Check.positive("OneCycleLR", "finalDivFactor", b.finalDivFactor);
        if (b.cycleMomentum)
            for (int g = 0; g < n; g++)
                if (opt.group(g).cycleMomentum().isEmpty())
                    throw new IllegalArgumentException("OneCycleLR: cycleMomentum needs an optimizer with momentum or betas; "
                            + opt.name() + " has none (build with cycleMomentum(false))");
        double[] initial = new double[n], min = new double[n];
        for (int g = 0; g < n; g++) {
            initial[g] = max[g] / b.divFactor;
            min[g] = initial[g] / b.finalDivFactor;
        }
        totalSteps = total;
        anneal = Objects.requireNonNull(b.anneal, "anneal");
        cycleMomentum = b.cycleMomentum;
        baseMomentum = Check.inHalfOpen("OneCycleLR", "baseMomentum", b.baseMomentum, 0, 1);
        maxMomentum = Check.inHalfOpen("OneCycleLR", "maxMomentum", b.maxMomentum, 0, 1);
        maxLrs = max;
        initialLrs = initial;
        minLrs = min;
        phases = b.threePhase
                ? List.of(new Phase(pct * total - 1, Level.INITIAL, Level.MAX, true, false),
                          new Phase(2 * pct * total - 2, Level.MAX, Level.INITIAL, false, true),
                          new Phase(total - 1, Level.INITIAL, Level.MIN, true, true))
                : List.of(new Phase(pct * total - 1, Level.INITIAL, Level.MAX, true, false),
                          new Phase(total - 1, Level.MAX, Level.MIN, false, true));
        for (int g = 0; g < n; g++) opt.group(g).setInitialLr(initial[g]);
        super(opt);
    }

    /** A builder for {@code optimizer} peaking at {@code maxLr} (every group) over {@code totalSteps} steps. */
    public static Builder builder(Optimizer<?> optimizer, double maxLr, int totalSteps) {
        return new Builder(optimizer, new double[] {maxLr}, totalSteps);
    }

    /** As {@link #builder(Optimizer, double, int)} with one max lr per group. */
    public static Builder builder(Optimizer<?> optimizer, double[] maxLrs, int totalSteps) {
        return new Builder(optimizer, maxLrs.clone(), totalSteps);
    }

    /** Advances one step; stepping past totalSteps is an IllegalStateException, as in PyTorch. */
    @Override public void step() {
        if (lastEpoch() + 1 > totalSteps)
            throw new IllegalStateException("OneCycleLR: tried to step " + (lastEpoch() + 2) + " times; totalSteps is " + totalSteps);
        setLastEpoch(lastEpoch() + 1);
    }

    @Override public void setLastEpoch(int epoch) {
        if (epoch > totalSteps)
            throw new IllegalArgumentException("OneCycleLR: epoch " + epoch + " is past totalSteps " + totalSteps);
        super.setLastEpoch(epoch);
        if (!cycleMomentum) return;
        Position at = position(epoch);
        for (int g = 0; g < initialLrs.length; g++) {
            ParamGroup<?> group = optimizer().group(g);
            group.setCycleMomentum(anneal.apply(momentum(at.phase.startAtMaxMomentum), momentum(at.phase.endAtMaxMomentum), at.pct));
        }
    }

    /** The annealed lr; at epoch totalSteps a linear anneal overshoots the min lr and is clamped at 0. */
    @Override protected double lrAt(int group, double baseLr, int epoch) {
        Position at = position(epoch);
        return Math.max(0, anneal.apply(level(at.phase.startLr, group), level(at.phase.endLr, group), at.pct));
    }

    private record Position(Phase phase, double pct) {}

    /** The phase {@code step} falls in and how far through it (a phase of zero length counts as done). */
    private Position position(int step) {
        double start = 0;
        for (int i = 0; i < phases.size(); i++) {
            Phase p = phases.get(i);
            if (step <= p.endStep || i == phases.size() - 1) {
                double length = p.endStep - start;
                return new Position(p, length == 0 ? 1 : (step - start) / length);
            }
            start = p.endStep;
        }
        throw new AssertionError("unreachable");
    }

    private double level(Level l, int group) {
        return switch (l) {
            case INITIAL -> initialLrs[group];
            case MAX -> maxLrs[group];
            case MIN -> minLrs[group];
        };
    }

    private double momentum(boolean atMax) { return atMax ? maxMomentum : baseMomentum; }

    private static double[] repeat(double v, int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    public int totalSteps() { return totalSteps; }

    /** OneCycleLR's options; defaults as PyTorch's. */
    public static final class Builder {
        private final Optimizer<?> optimizer;
        private final double[] maxLrs;
        private final int totalSteps;
        private double pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4, baseMomentum = 0.85, maxMomentum = 0.95;
        private Anneal anneal = Anneal.COS;
        private boolean cycleMomentum = true, threePhase;

        private Builder(Optimizer<?> optimizer, double[] maxLrs, int totalSteps) {
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
            this.maxLrs = maxLrs;
            this.totalSteps = totalSteps;
        }

        /** Fraction of the steps spent increasing the lr (default 0.3). */
        public Builder pctStart(double pctStart) { this.pctStart = pctStart; return this; }

        public Builder anneal(Anneal anneal) { this.anneal = anneal; return this; }

        /** Whether momentum/β1 moves inversely to the lr (default true). */
        public Builder cycleMomentum(boolean cycleMomentum) { this.cycleMomentum = cycleMomentum; return this; }

        public Builder baseMomentum(double baseMomentum) { this.baseMomentum = baseMomentum; return this; }

        public Builder maxMomentum(double maxMomentum) { this.maxMomentum = maxMomentum; return this; }

        /** initial lr = maxLr/divFactor (default 25). */
        public Builder divFactor(double divFactor) { this.divFactor = divFactor; return this; }

        /** min lr = initial lr/finalDivFactor (default 1e4). */
        public Builder finalDivFactor(double finalDivFactor) { this.finalDivFactor = finalDivFactor; return this; }

        /** fast.ai's three phases: up, back down to the initial lr, then to the min lr (default false). */
        public Builder threePhase(boolean threePhase) { this.threePhase = threePhase; return this; }

        public OneCycleLR build() { return new OneCycleLR(this); }
    }
}
