// The finer classes inside a dataset's labels (CIFAR-20: the 100 fine classes inside the 20 superclasses), so
// that a sub-class can be named for forgetting while the model predicts the coarse label.
package ai.lethe.data;

import java.util.List;

public interface Subclasses {
    /** Names of the fine classes, indexed by fine class. */
    List<String> names();

    /** The fine class of sample {@code index}. */
    int subclass(int index);

    /** The (coarse) label a fine class belongs to. */
    int parent(int subclass);
}
