// What one epoch reports: training loss/accuracy (on the augmented batches, as seen; the accuracy is NaN where the
// loop does not measure it, as in the unlearning methods' loops), validation loss/accuracy (NaN when there is no
// validation set), the last learning rate, time and throughput.
package ai.lethe.train;

public record EpochStats(int epoch, int epochs, double trainLoss, double trainAccuracy, double valLoss,
                         double valAccuracy, double lr, double seconds, double imagesPerSecond) {
    public boolean hasValidation() { return !Double.isNaN(valAccuracy); }

    /** Whether the loop measured the training accuracy (the unlearning methods' loops do not). */
    public boolean hasTrainAccuracy() { return !Double.isNaN(trainAccuracy); }
}
