// A dataset with the images of another and labels of its own: the Random Label and Amnesiac unlearning methods
// train on the forget set relabelled uniformly at random, or with a random label other than each sample's own.
// Images, shape, class names and source indices read through to the base dataset.
package ai.lethe.data;

import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

public final class Relabeled implements Dataset {
    private final Dataset base;
    private final int[] labels;
    private final String name;

    /** {@code base} with {@code labels} (one per sample, each in [0, base.numClasses())). */
    public Relabeled(Dataset base, int[] labels, String name) {
        if (labels.length != base.size())
            throw new IllegalArgumentException("relabelled '" + name + "': " + labels.length + " labels for " + base.size()
                    + " samples of " + base.name());
        for (int i = 0; i < labels.length; i++)
            if (labels[i] < 0 || labels[i] >= base.numClasses())
                throw new IllegalArgumentException("relabelled '" + name + "': label " + labels[i] + " of sample " + i
                        + " is outside [0, " + base.numClasses() + ")");
        this.base = base;
        this.labels = labels.clone();
        this.name = name;
    }

    /** Every sample labelled uniformly at random among all classes (its own label included). */
    public static Relabeled uniform(Dataset base, RandomGenerator rng) {
        int[] labels = new int[base.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = rng.nextInt(base.numClasses());
        return new Relabeled(base, labels, base.name() + " (random labels)");
    }

    /** Every sample labelled uniformly at random among the classes other than its own (needs >= 2 classes). */
    public static Relabeled randomWrong(Dataset base, RandomGenerator rng) {
        int classes = base.numClasses();
        if (classes < 2) throw new IllegalArgumentException("relabelling " + base.name() + " with wrong labels needs >= 2 classes, it has " + classes);
        int[] labels = new int[base.size()];
        for (int i = 0; i < labels.length; i++) {
            int own = base.label(i), other = rng.nextInt(classes - 1);
            labels[i] = other >= own ? other + 1 : other;
        }
        return new Relabeled(base, labels, base.name() + " (random wrong labels)");
    }

    public Dataset base() { return base; }

    @Override public String name() { return name; }

    @Override public int size() { return labels.length; }

    @Override public ImageShape shape() { return base.shape(); }

    @Override public List<String> classNames() { return base.classNames(); }

    @Override public int label(int index) { return labels[index]; }

    @Override public void readImage(int index, float[] dst, int offset) { base.readImage(index, dst, offset); }

    @Override public Optional<Subclasses> subclasses() { return Optional.empty(); }

    @Override public int sourceIndex(int index) { return base.sourceIndex(index); }
}
