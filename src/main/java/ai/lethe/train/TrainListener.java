// Hooks into a training run: progress display, metric logs, checkpoints. Every method has an empty default.
package ai.lethe.train;

public interface TrainListener {
    /** Before the first step; {@code startEpoch} > 0 when the run resumes. */
    default void onStart(TrainConfig config, int stepsPerEpoch, int startEpoch) {}

    /**
     * Each step, in order, with its own loss; the Trainer calls it when it reads the losses from the device — every
     * logEvery steps and at the end of each epoch (Trainer.Builder.logEvery) — so a progress display advances then.
     */
    default void onStep(StepStats step) {}

    default void onEpoch(EpochStats epoch) {}

    /** After the last epoch (not called when the run fails). */
    default void onEnd(TrainResult result) {}
}
