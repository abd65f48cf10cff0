// A view of some samples of a dataset, in a given order; labels, images and sub-classes read through to it.
package ai.lethe.data;

import java.util.List;
import java.util.Optional;

public final class Subset implements Dataset {
    private final Dataset base;
    private final int[] indices;
    private final String name;

    public Subset(Dataset base, int[] indices, String name) {
        this.base = base;
        this.indices = indices.clone();
        this.name = name;
        for (int i : this.indices)
            if (i < 0 || i >= base.size())
                throw new IndexOutOfBoundsException("subset '" + name + "': index " + i + " is out of range for "
                        + base.name() + " of " + base.size() + " samples");
    }

    /** The indices into the base dataset, in order. */
    public int[] indices() { return indices.clone(); }

    public Dataset base() { return base; }

    @Override public String name() { return name; }

    @Override public int size() { return indices.length; }

    @Override public ImageShape shape() { return base.shape(); }

    @Override public List<String> classNames() { return base.classNames(); }

    @Override public int label(int index) { return base.label(indices[index]); }

    @Override public void readImage(int index, float[] dst, int offset) { base.readImage(indices[index], dst, offset); }

    @Override public Optional<Subclasses> subclasses() {
        return base.subclasses().map(s -> new Subclasses() {
            @Override public List<String> names() { return s.names(); }

            @Override public int subclass(int index) { return s.subclass(indices[index]); }

            @Override public int parent(int subclass) { return s.parent(subclass); }
        });
    }

    @Override public int sourceIndex(int index) { return base.sourceIndex(indices[index]); }
}
