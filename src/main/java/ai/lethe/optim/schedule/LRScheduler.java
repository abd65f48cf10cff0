// A learning-rate schedule driving an optimizer's groups: step() once per epoch or iteration (after
// optimizer.step(), as in PyTorch), lastLr() for what it set. Construction sets the epoch-0 values.
package ai.lethe.optim.schedule;

import ai.lethe.optim.Optimizer;

public interface LRScheduler {

    /** The optimizer whose groups this schedule sets. */
    Optimizer<?> optimizer();

    /** How many times step() was called since construction (PyTorch's last_epoch). */
    int lastEpoch();

    /**
     * Sets the optimizer to the values of {@code epoch} (>= 0), as if step() had been called that many times
     * since construction: resuming from a checkpoint.
     */
    void setLastEpoch(int epoch);

    /** Advances one epoch (or iteration) and sets the optimizer's learning rates. */
    default void step() { setLastEpoch(lastEpoch() + 1); }

    /** The learning rate this schedule set last, per group. */
    double[] lastLrs();

    /** The learning rate this schedule set last in the first group. */
    default double lastLr() { return lastLrs()[0]; }
}
