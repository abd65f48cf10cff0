// The fine classes inside a dataset's labels, held as arrays: each sample's fine class and each fine class's
// parent label (CIFAR-20: the 100 CIFAR-100 classes inside the 20 superclasses). Immutable.
package ai.lethe.data.source;

import ai.lethe.data.Subclasses;
import java.util.List;
import java.util.Objects;

public final class FineClasses implements Subclasses {
    private final List<String> names;
    private final int[] fineOfSample;
    private final int[] parentOfFine;

    /** {@code fineOfSample[i]} is sample i's fine class; {@code parentOfFine[f]} the label fine class f belongs to. */
    public FineClasses(List<String> names, int[] fineOfSample, int[] parentOfFine) {
        this.names = List.copyOf(names);
        this.fineOfSample = fineOfSample.clone();
        this.parentOfFine = parentOfFine.clone();
        if (parentOfFine.length != this.names.size())
            throw new IllegalArgumentException(this.names.size() + " fine class names but " + parentOfFine.length + " parents");
        for (int i = 0; i < fineOfSample.length; i++)
            if (fineOfSample[i] < 0 || fineOfSample[i] >= this.names.size())
                throw new IllegalArgumentException("fine class " + fineOfSample[i] + " of sample " + i
                        + " is out of range [0, " + this.names.size() + ")");
    }

    @Override public List<String> names() { return names; }

    @Override public int subclass(int index) {
        Objects.checkIndex(index, fineOfSample.length);
        return fineOfSample[index];
    }

    @Override public int parent(int subclass) {
        Objects.checkIndex(subclass, parentOfFine.length);
        return parentOfFine[subclass];
    }
}
