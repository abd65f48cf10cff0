// LinearLR (torch.optim.lr_scheduler.LinearLR), the linear warm-up (or decay), closed form:
//   lr = base·(start + (end − start)·min(epoch, totalIters)/totalIters)
package ai.lethe.optim.schedule;

import ai.lethe.optim.Check;
import ai.lethe.optim.Optimizer;

public final class LinearLR extends ClosedFormLR {
    private final double startFactor, endFactor;
    private final int totalIters;

    /**
     * @param startFactor multiplies the base lr at epoch 0, in (0, 1]
     * @param endFactor   multiplies it from {@code totalIters} on, in [0, 1]
     * @param totalIters  epochs (or iterations) of the ramp, >= 1
     */
    public LinearLR(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters) {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new IllegalArgumentException("LinearLR: startFactor must be in (0, 1], got " + startFactor);
        this.startFactor = startFactor;
        this.endFactor = Check.inClosed("LinearLR", "endFactor", endFactor, 0, 1);
        this.totalIters = Check.atLeast("LinearLR", "totalIters", totalIters, 1);
        super(optimizer);
    }

    /** PyTorch's defaults: start 1/3, end 1, 5 iterations. */
    public LinearLR(Optimizer<?> optimizer) { this(optimizer, 1.0 / 3, 1.0, 5); }

    @Override protected double lrAt(int group, double baseLr, int epoch) {
        return baseLr * (startFactor + (endFactor - startFactor) * Math.min(totalIters, epoch) / totalIters);
    }

    @Override public String toString() {
        return "LinearLR(start " + startFactor + ", end " + endFactor + ", totalIters " + totalIters + ")";
    }
}
