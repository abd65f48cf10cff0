// A small in-memory Dataset for the data tests: sample i has label i % classes and pixels that are a function of
// (i, c, y, x), so any mix-up of samples shows; optionally fine classes (subclass i % (2 * classes), parent
// subclass % classes, as CIFAR-20's sub-classes sit inside its labels) and a sample whose read fails.
package ai.lethe.data.loader;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.Subclasses;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

public final class TinyDataset implements Dataset {
    private final String name;
    private final int size;
    private final ImageShape shape;
    private final int classes;
    private final boolean withSubclasses;
    private final int failAt;

    public TinyDataset(String name, int size, ImageShape shape, int classes, boolean withSubclasses, int failAt) {
        this.name = name;
        this.size = size;
        this.shape = shape;
        this.classes = classes;
        this.withSubclasses = withSubclasses;
        this.failAt = failAt;
    }

    public TinyDataset(int size, ImageShape shape, int classes) { this("tiny", size, shape, classes, false, -1); }

    /** Pixel (c, y, x) of sample i, in [0, 1]. */
    public static float pixel(int i, int c, int y, int x) { return ((i * 31 + c * 17 + y * 5 + x * 3) % 101) / 100f; }

    @Override public String name() { return name; }

    @Override public int size() { return size; }

    @Override public ImageShape shape() { return shape; }

    @Override public List<String> classNames() { return IntStream.range(0, classes).mapToObj(c -> "class" + c).toList(); }

    @Override public int label(int index) {
        check(index);
        return index % classes;
    }

    @Override public void readImage(int index, float[] dst, int offset) {
        check(index);
        if (index == failAt) throw new IllegalStateException("sample " + index + " is unreadable (test)");
        int k = offset;
        for (int c = 0; c < shape.channels(); c++)
            for (int y = 0; y < shape.height(); y++)
                for (int x = 0; x < shape.width(); x++) dst[k++] = pixel(index, c, y, x);
    }

    @Override public Optional<Subclasses> subclasses() {
        if (!withSubclasses) return Optional.empty();
        return Optional.of(new Subclasses() {
            @Override public List<String> names() { return IntStream.range(0, 2 * classes).mapToObj(s -> "fine" + s).toList(); }

            @Override public int subclass(int index) { return index % (2 * classes); }

            @Override public int parent(int subclass) { return subclass % classes; }
        });
    }

    private void check(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("sample " + index + " of " + size);
    }
}
