// The data of a pruning run: training and validation sets with their transforms, the dataset name recorded in
// checkpoints, and the input shape (SynFlow's all-ones image). of(Pipeline) takes a loaded pipeline as it is.
package ai.lethe.prune;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.transform.Transform;
import java.util.Objects;

public record PruneData(Dataset train, Dataset validation, Transform trainTransform, Transform evalTransform, ImageShape inputShape,
                        String name) {
    public PruneData {
        Objects.requireNonNull(train, "PruneData: training set");
        Objects.requireNonNull(inputShape, "PruneData: input shape");
        if (name == null) name = train.name();
    }

    public static PruneData of(Pipeline p) {
        return new PruneData(p.data().train(), p.data().test(), p.trainTransform(), p.evalTransform(), p.inputShape(), p.data().name());
    }

    /** The same with another training set (e.g. a subset). */
    public PruneData withTrain(Dataset t) { return new PruneData(t, validation, trainTransform, evalTransform, inputShape, name); }
}
