// Predictions of one model on the four parts of a split (SplitSets): Df, Dr, the forget-test part and the
// retain-test part. For random and index splits the forget-test part is Df itself (Split.forgetTestFromTrain), and
// UnlearnMetrics reuses Df's predictions for it.
package ai.lethe.eval;

import java.util.Objects;

public record SplitPredictions(Predictions forget, Predictions retain, Predictions forgetTest, Predictions retainTest) {
    public SplitPredictions {
        Objects.requireNonNull(forget, "forget");
        Objects.requireNonNull(retain, "retain");
        Objects.requireNonNull(forgetTest, "forgetTest");
        Objects.requireNonNull(retainTest, "retainTest");
    }
}
