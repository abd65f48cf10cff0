// Base of the schedules whose lr is a function of (base lr, epoch): the base lr of each group is its
// initial_lr (recorded by the first scheduler attached to the group, so a warm-up and a main schedule built
// one after the other share it, as in PyTorch). Subclasses assign their fields before calling super(...)
// (flexible constructor bodies), since this constructor already sets the epoch-0 values.
package ai.lethe.optim.schedule;

import ai.lethe.optim.Optimizer;
import ai.lethe.optim.ParamGroup;
import java.util.Objects;

public abstract class ClosedFormLR implements LRScheduler {
    private final Optimizer<?> optimizer;
    private final double[] baseLrs;
    private int lastEpoch;
    private double[] lastLrs;

    protected ClosedFormLR(Optimizer<?> optimizer) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        baseLrs = new double[optimizer.groups().size()];
        for (int g = 0; g < baseLrs.length; g++) {
            ParamGroup<?> group = optimizer.group(g);
            if (group.initialLr().isEmpty()) group.setInitialLr(group.lr());
            baseLrs[g] = group.initialLr().getAsDouble();
        }
        setLastEpoch(0);
    }

    /** The learning rate of group {@code group} at {@code epoch} >= 0. */
    protected abstract double lrAt(int group, double baseLr, int epoch);

    @Override public final Optimizer<?> optimizer() { return optimizer; }

    @Override public final int lastEpoch() { return lastEpoch; }

    @Override public void setLastEpoch(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException(getClass().getSimpleName() + ": epoch must be >= 0, got " + epoch);
        double[] lrs = new double[baseLrs.length];
        for (int g = 0; g < lrs.length; g++) {
            lrs[g] = lrAt(g, baseLrs[g], epoch);
            if (!(lrs[g] >= 0) || Double.isInfinite(lrs[g]))
                throw new IllegalArgumentException(getClass().getSimpleName() + ": the lr of group " + g + " at epoch " + epoch
                        + " would be " + lrs[g] + "; learning rates must be finite and >= 0");
        }
        for (int g = 0; g < lrs.length; g++) optimizer.group(g).setLr(lrs[g]);
        lastEpoch = epoch;
        lastLrs = lrs;
    }

    @Override public final double[] lastLrs() { return lastLrs.clone(); }

    /** The base (initial) learning rate of each group. */
    public final double[] baseLrs() { return baseLrs.clone(); }
}
