// Everything an unlearning method may use besides the model: the split's data (Df, Dr, and their test
// counterparts for methods that evaluate), the transforms (methods train on un-augmented data by default),
// the device, the seed, loader workers, an optional cached Fisher diagonal of the full training set, the base
// training recipe (for Retrain) and a listener for progress. Built by the caller; methods read what they need.
package ai.lethe.unlearn;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.split.Split;
import ai.lethe.data.transform.Transform;
import ai.lethe.fisher.FisherMap;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.TrainListener;
import java.util.List;
import java.util.Optional;

/**
 * @param forget      Df (null when the caller withholds it)
 * @param retain      Dr (null when the caller withholds it)
 * @param numClasses  classes of the model's output
 * @param split       the split Df/Dr came from (for the record; may be null for hand-made sets)
 * @param transform   applied to every sample a method reads (normalisation; no augmentation)
 * @param fullFisher  a cached Fisher diagonal of D = Df ∪ Dr (SSD's I_D), or empty
 * @param recipe      the base training recipe (Retrain), or null
 */
public record UnlearnContext(Dataset forget, Dataset retain, int numClasses, Split split, Transform transform,
                             Device device, long seed, int workers, Optional<FisherMap> fullFisher, TrainConfig recipe,
                             List<TrainListener> listeners) {
    public UnlearnContext {
        fullFisher = fullFisher == null ? Optional.empty() : fullFisher;
        listeners = listeners == null ? List.of() : List.copyOf(listeners);
    }

    /** Fails with a message naming the first requirement this context cannot meet. */
    public void check(String method, Iterable<Requirement> requirements) {
        for (Requirement r : requirements) {
            boolean met = switch (r) {
                case FORGET_SET -> forget != null;
                case RETAIN_SET -> retain != null;
                case FULL_FISHER -> fullFisher.isPresent() || (forget != null && retain != null);
                case TRAINING_RECIPE -> recipe != null && retain != null;
            };
            if (!met) throw new IllegalArgumentException(method + " needs " + r.description() + ", which was not given");
        }
        if (forget != null && forget.size() == 0) throw new IllegalArgumentException(method + ": the forget set is empty");
        if (retain != null && retain.size() == 0)
            throw new IllegalArgumentException(method + ": the retain set is empty (the forget set is the whole training set)");
    }

    /** Df (checked present). */
    public Dataset forgetSet() { return java.util.Objects.requireNonNull(forget, "forget set"); }

    /** Dr (checked present). */
    public Dataset retainSet() { return java.util.Objects.requireNonNull(retain, "retain set"); }
}
