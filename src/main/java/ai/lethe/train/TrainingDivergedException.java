// Thrown when the loss stops being a finite number: training cannot recover, and continuing would only write
// NaN weights. The message says where it happened and what usually helps.
package ai.lethe.train;

public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(int epoch, int step, double loss, double lr) {
        super("training diverged: the loss became " + loss + " at epoch " + (epoch + 1) + ", step " + (step + 1)
                + " (learning rate " + lr + "); lower the learning rate, add warm-up, or check the inputs for NaN");
    }
}
