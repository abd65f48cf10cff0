// What one optimisation step reports to listeners.
package ai.lethe.train;

/**
 * @param epoch 0-based epoch, @param step 0-based step within the epoch, @param stepsPerEpoch steps in an epoch,
 * @param loss the batch's loss, @param lr the learning rate used, @param batchSize samples in the batch
 */
public record StepStats(int epoch, int step, int stepsPerEpoch, double loss, double lr, int batchSize) {}
