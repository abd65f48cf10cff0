// SequentialLR (torch.optim.lr_scheduler.SequentialLR): schedule i runs from milestone i−1 on, counting its
// own epochs from 0 at that milestone — so a MultiStepLR after a warm-up has milestones relative to the end
// of the warm-up, as in PyTorch. E.g. one warm-up epoch, then ×0.2 at 60, 120, 160 epochs after it:
//   new SequentialLR(opt, List.of(new LinearLR(opt, 0.1, 1, 1), new MultiStepLR(opt, List.of(60, 120, 160), 0.2)), 1)
package ai.lethe.optim.schedule;

import ai.lethe.optim.Optimizer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

public final class SequentialLR implements LRScheduler {
    private final Optimizer<?> optimizer;
    private final List<LRScheduler> schedulers;
    private final int[] milestones;
    private int lastEpoch;
    private double[] lastLrs;

    /**
     * @param schedulers built on {@code optimizer}, in order
     * @param milestones strictly increasing epochs > 0 where the next schedule takes over; one fewer than
     *                   schedulers
     */
    public SequentialLR(Optimizer<?> optimizer, List<? extends LRScheduler> schedulers, int... milestones) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.schedulers = List.copyOf(schedulers);
        this.milestones = milestones.clone();
        if (this.schedulers.isEmpty()) throw new IllegalArgumentException("SequentialLR: no schedulers");
        for (int i = 0; i < this.schedulers.size(); i++)
            if (this.schedulers.get(i).optimizer() != optimizer)
                throw new IllegalArgumentException("SequentialLR: scheduler " + i + " (" + this.schedulers.get(i)
                        + ") drives another optimizer; all must drive the one given");
        if (milestones.length != this.schedulers.size() - 1)
            throw new IllegalArgumentException("SequentialLR: " + this.schedulers.size() + " schedulers need "
                    + (this.schedulers.size() - 1) + " milestones, got " + milestones.length + " " + Arrays.toString(milestones));
        for (int i = 0; i < milestones.length; i++)
            if (milestones[i] <= (i == 0 ? 0 : milestones[i - 1]))
                throw new IllegalArgumentException("SequentialLR: milestones must be > 0 and strictly increasing, got "
                        + Arrays.toString(milestones));
        setLastEpoch(0);
    }

    @Override public Optimizer<?> optimizer() { return optimizer; }

    @Override public int lastEpoch() { return lastEpoch; }

    @Override public void setLastEpoch(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("SequentialLR: epoch must be >= 0, got " + epoch);
        int idx = 0;
        while (idx < milestones.length && milestones[idx] <= epoch) idx++;
        LRScheduler active = schedulers.get(idx);
        active.setLastEpoch(idx == 0 ? epoch : epoch - milestones[idx - 1]);
        lastEpoch = epoch;
        lastLrs = active.lastLrs();
    }

    @Override public double[] lastLrs() { return lastLrs.clone(); }

    @Override public String toString() { return "SequentialLR(" + schedulers + " at " + Arrays.toString(milestones) + ")"; }
}
