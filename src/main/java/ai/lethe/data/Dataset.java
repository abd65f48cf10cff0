// A labelled image dataset: a fixed number of samples, each an image of one shape and an integer class label.
// Implementations keep the raw pixels (bytes) in memory and convert on read, so a loader's worker threads can
// read any sample concurrently. Images are float CHW values in [0, 1] before any transform.
package ai.lethe.data;

import java.util.List;
import java.util.Optional;

public interface Dataset {
    /** A short name for messages and metadata, e.g. "fashion-mnist/train". */
    String name();

    int size();

    /** The shape of every image. */
    ImageShape shape();

    /** Class names, indexed by label. */
    List<String> classNames();

    default int numClasses() { return classNames().size(); }

    /** The label of sample {@code index}, in [0, numClasses). */
    int label(int index);

    /** Writes sample {@code index} as float CHW values in [0, 1] into {@code dst} from {@code offset}. Thread-safe. */
    void readImage(int index, float[] dst, int offset);

    /** The sample's image as an {@link Image}. */
    default Image image(int index) {
        float[] data = new float[shape().size()];
        readImage(index, data, 0);
        return new Image(data, shape());
    }

    /** Fine classes inside the labels (CIFAR-20), when the dataset has them. */
    default Optional<Subclasses> subclasses() { return Optional.empty(); }

    /** The index of sample {@code index} in the dataset this one was cut from (itself when not a subset). */
    default int sourceIndex(int index) { return index; }

    /** The samples at {@code indices} (in that order) as a dataset. */
    default Dataset subset(int[] indices, String name) { return new Subset(this, indices, name); }
}
