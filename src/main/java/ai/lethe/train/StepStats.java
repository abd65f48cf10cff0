// What one optimisation step reports to listeners.
package ai.lethe.train;

/**
 * @param epoch 0-based epoch, @param step 0-based step within the epoch, @param stepsPerEpoch steps in an epoch,
 * @param loss the batch's loss, @param lr the learning rate used, @param batchSize samples in the batch.
 * The Trainer reads losses from the device every logEvery steps (Trainer.Builder.logEvery) and at the end of each
 * epoch, and only then calls onStep — for each step of the window in order, each with its own loss, lr and batch size
 * (never an average or a stale value); a listener sees the steps late, not different.
 */
public record StepStats(int epoch, int step, int stepsPerEpoch, double loss, double lr, int batchSize) {}
