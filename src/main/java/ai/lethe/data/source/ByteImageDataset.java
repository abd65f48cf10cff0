// An in-memory image dataset: every sample's raw uint8 pixels in one byte[] (sample after sample, each CHW), the
// labels in an int[], and optionally the fine classes inside the labels (CIFAR-20). Reads convert a byte b to
// b / 255f, exactly as torchvision's ToTensor does. Immutable after construction, so any number of threads may
// read it at once. Every reader in this package (IDX, CIFAR, image folders, synthetic) produces one.
package ai.lethe.data.source;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.Subclasses;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

public final class ByteImageDataset implements Dataset {
    private static final float[] UNIT = new float[256];

    static {
        for (int b = 0; b < 256; b++) UNIT[b] = b / 255f;
    }

    private final String name;
    private final ImageShape shape;
    private final List<String> classNames;
    private final byte[] pixels;
    private final int[] labels;
    private final Subclasses subclasses;

    /**
     * A dataset over {@code pixels} (labels.length images of {@code shape}, CHW each) and {@code labels}. The arrays
     * are taken as they are, not copied: the caller must not change them afterwards. {@code subclasses} may be null.
     */
    public ByteImageDataset(String name, ImageShape shape, List<String> classNames, byte[] pixels, int[] labels,
                            Subclasses subclasses) {
        this.name = Objects.requireNonNull(name, "name");
        this.shape = Objects.requireNonNull(shape, "shape");
        this.classNames = List.copyOf(classNames);
        this.pixels = Objects.requireNonNull(pixels, "pixels");
        this.labels = Objects.requireNonNull(labels, "labels");
        this.subclasses = subclasses;
        if ((long) labels.length * shape.size() != pixels.length)
            throw new IllegalArgumentException(name + ": " + labels.length + " images of " + shape + " need "
                    + (long) labels.length * shape.size() + " pixel bytes, got " + pixels.length);
        for (int i = 0; i < labels.length; i++)
            if (labels[i] < 0 || labels[i] >= this.classNames.size())
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i
                        + " is out of range [0, " + this.classNames.size() + ")");
    }

    public ByteImageDataset(String name, ImageShape shape, List<String> classNames, byte[] pixels, int[] labels) {
        this(name, shape, classNames, pixels, labels, null);
    }

    @Override public String name() { return name; }

    @Override public int size() { return labels.length; }

    @Override public ImageShape shape() { return shape; }

    @Override public List<String> classNames() { return classNames; }

    @Override public int label(int index) {
        Objects.checkIndex(index, labels.length);
        return labels[index];
    }

    @Override public void readImage(int index, float[] dst, int offset) {
        Objects.checkIndex(index, labels.length);
        int n = shape.size();
        Objects.checkFromIndexSize(offset, n, dst.length);
        int from = index * n;
        for (int i = 0; i < n; i++) dst[offset + i] = UNIT[pixels[from + i] & 0xFF];
    }

    /** Copies sample {@code index}'s raw uint8 pixels (CHW) into {@code dst} from {@code offset}. */
    public void readBytes(int index, byte[] dst, int offset) {
        Objects.checkIndex(index, labels.length);
        int n = shape.size();
        System.arraycopy(pixels, index * n, dst, offset, n);
    }

    /** A copy of all labels, in sample order. */
    public int[] labels() { return labels.clone(); }

    @Override public Optional<Subclasses> subclasses() { return Optional.ofNullable(subclasses); }

    @Override public String toString() {
        return name + " (" + labels.length + " images of " + shape + ", " + classNames.size() + " classes)";
    }
}
