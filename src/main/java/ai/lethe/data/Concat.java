// Datasets one after another (torch's ConcatDataset): sample i of the concatenation is sample i - offset(p) of
// the part p it falls in. The parts must share image shape and number of classes. Unlearning methods train on
// a relabelled forget set followed by the retain set, and tell the parts apart by index (partOf).
// sourceIndex reads through to each part, so indices from different parts may coincide.
package ai.lethe.data;

import java.util.Arrays;
import java.util.List;

public final class Concat implements Dataset {
    private final List<Dataset> parts;
    private final int[] offsets;   // offsets[p] = first index of part p; offsets[parts] = size
    private final String name;

    public Concat(List<Dataset> parts, String name) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concatenation '" + name + "': no datasets given");
        this.parts = List.copyOf(parts);
        Dataset first = this.parts.getFirst();
        offsets = new int[this.parts.size() + 1];
        for (int p = 0; p < this.parts.size(); p++) {
            Dataset d = this.parts.get(p);
            if (!d.shape().equals(first.shape()))
                throw new IllegalArgumentException("concatenation '" + name + "': " + d.name() + " has images of " + d.shape()
                        + ", " + first.name() + " of " + first.shape());
            if (d.numClasses() != first.numClasses())
                throw new IllegalArgumentException("concatenation '" + name + "': " + d.name() + " has " + d.numClasses()
                        + " classes, " + first.name() + " " + first.numClasses());
            offsets[p + 1] = Math.addExact(offsets[p], d.size());
        }
        this.name = name;
    }

    public static Concat of(Dataset... parts) {
        return new Concat(List.of(parts), String.join(" + ", Arrays.stream(parts).map(Dataset::name).toList()));
    }

    public List<Dataset> parts() { return parts; }

    /** The part sample {@code index} falls in. */
    public int partOf(int index) {
        if (index < 0 || index >= size()) throw new IndexOutOfBoundsException("sample " + index + " of " + size() + " in " + name);
        int p = Arrays.binarySearch(offsets, index);
        if (p >= 0) {
            while (offsets[p + 1] == index) p++;   // skip empty parts
            return p;
        }
        return -p - 2;
    }

    /** The first index of part {@code part}. */
    public int offset(int part) { return offsets[part]; }

    @Override public String name() { return name; }

    @Override public int size() { return offsets[parts.size()]; }

    @Override public ImageShape shape() { return parts.getFirst().shape(); }

    @Override public List<String> classNames() { return parts.getFirst().classNames(); }

    @Override public int label(int index) {
        int p = partOf(index);
        return parts.get(p).label(index - offsets[p]);
    }

    @Override public void readImage(int index, float[] dst, int offset) {
        int p = partOf(index);
        parts.get(p).readImage(index - offsets[p], dst, offset);
    }

    @Override public int sourceIndex(int index) {
        int p = partOf(index);
        return parts.get(p).sourceIndex(index - offsets[p]);
    }
}
