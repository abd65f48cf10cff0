// What the tuner works on: the training and test sets, the forget request's split of them (Df, Dr, forget-test,
// retain-test), the evaluation transform, the number of classes, the base recipe (for methods that need it) and how
// to run (device, loader workers, evaluation batch size). Callers build it from their task (the CLI and experiments
// from ai.lethe.experiment.TaskData); the tuner never reads Df's own evaluation (see ValidationSplits).
package ai.lethe.tune;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.split.Split;
import ai.lethe.data.split.SplitSets;
import ai.lethe.data.transform.Transform;
import ai.lethe.train.TrainConfig;
import java.util.Objects;

public record TuneData(Dataset train, Dataset test, Split split, SplitSets sets, Transform transform, int numClasses,
                       TrainConfig recipe, Device device, int workers, int evalBatchSize) {
    public TuneData {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(sets, "sets");
        Objects.requireNonNull(device, "device");
        if (numClasses < 2) throw new IllegalArgumentException("tune: a classifier needs at least 2 classes, got " + numClasses);
        if (workers < 0) throw new IllegalArgumentException("tune: workers must be >= 0, got " + workers);
        if (evalBatchSize < 1) throw new IllegalArgumentException("tune: evaluation batch size must be >= 1, got " + evalBatchSize);
        if (sets.forget().size() == 0) throw new IllegalArgumentException("tune: the forget set is empty");
        if (sets.retain().size() < 2) throw new IllegalArgumentException("tune: the retain set needs at least 2 samples, got " + sets.retain().size());
    }

    /** Whether the request forgets a whole class or sub-class (its forget-test set is test samples, not Df itself). */
    public boolean classForgetting() { return !split.forgetTestFromTrain(); }
}
