// A training (or test) set with a backdoor: the samples at `indices` carry the trigger (stamped on the image in
// pixel space, before any transform) and the target label; every other sample reads through to the base dataset
// unchanged. Made by `lethe train --poison` (of: a seeded draw of round(ratio * n) samples) or rebuilt from a run
// folder's poison record (at); triggered() is the attack-success test set: every sample stamped and labelled the
// target (Unlearn-Sparse utils.get_poisoned_loader runs poison_func over the whole test set). A forget/retain split
// of a Poisoned set with `--forget poisoned` makes Df = the poisoned samples (as trained: stamped, relabelled) and
// Dr = the clean rest (data.split.PoisonForget).
package ai.lethe.data.poison;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.Subclasses;
import ai.lethe.data.transform.RandomSource;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

public final class Poisoned implements Dataset {
    private final Dataset base;
    private final int[] indices;          // sorted, distinct
    private final boolean[] poisoned;
    private final Trigger trigger;
    private final int target;
    private final String name;

    private Poisoned(Dataset base, int[] indices, Trigger trigger, int target, String name) {
        this.base = base;
        this.indices = indices.clone();
        Arrays.sort(this.indices);
        this.trigger = trigger;
        this.target = target;
        this.name = name;
        if (target < 0 || target >= base.numClasses())
            throw new IllegalArgumentException(name + ": target " + target + " is not a class of " + base.name() + " (0.." + (base.numClasses() - 1) + ")");
        trigger.check(base.shape(), name);
        poisoned = new boolean[base.size()];
        for (int k = 0; k < this.indices.length; k++) {
            int i = this.indices[k];
            if (i < 0 || i >= base.size())
                throw new IllegalArgumentException(name + ": poisoned index " + i + " is outside 0.." + (base.size() - 1) + " of " + base.name());
            if (k > 0 && this.indices[k - 1] == i) throw new IllegalArgumentException(name + ": poisoned index " + i + " is listed twice");
            poisoned[i] = true;
        }
    }

    /**
     * {@code base} with round(ratio * size) samples poisoned as {@code spec} says, drawn with its seed (else
     * {@code defaultSeed}): the first k of a partial Fisher-Yates shuffle of 0..n-1 from
     * RandomSource(seed, POISON, 0, 0), sorted. Any sample may be drawn, target-class ones included, as in the
     * reference (a random num_indexes_to_replace of the whole training set).
     */
    public static Poisoned of(Dataset base, PoisonSpec spec, long defaultSeed) {
        spec.check(base);
        long seed = spec.seedOr(defaultSeed);
        int n = base.size();
        long k = Math.round(spec.ratio() * n);
        if (k < 1) throw new IllegalArgumentException("poison '" + spec.spec() + "': ratio " + spec.ratio() + " of " + base.name() + "'s "
                + n + " samples poisons no sample");
        if (k >= n) throw new IllegalArgumentException("poison '" + spec.spec() + "': ratio " + spec.ratio() + " of " + base.name() + "'s "
                + n + " samples poisons all of them; no clean sample would be left");
        return at(base, sample(n, (int) k, seed), spec.trigger(), spec.target());
    }

    /** {@code base} with the samples at {@code indices} poisoned with {@code trigger} and {@code target}. */
    public static Poisoned at(Dataset base, int[] indices, Trigger trigger, int target) {
        return new Poisoned(base, indices, trigger, target, base.name() + " (poisoned: " + indices.length + " with a " + trigger.size() + "x"
                + trigger.size() + " trigger -> class " + target + ")");
    }

    /** Every sample of {@code test} stamped and labelled {@code target}: the set whose accuracy is the attack success rate. */
    public static Poisoned triggered(Dataset test, Trigger trigger, int target) {
        return new Poisoned(test, IntStream.range(0, test.size()).toArray(), trigger, target, test.name() + " (triggered -> class " + target + ")");
    }

    /** {@code k} distinct values of 0..n-1, sorted: the first k of a seeded partial Fisher-Yates shuffle. */
    static int[] sample(int n, int k, long seed) {
        return RandomSource.of(seed, RandomSource.POISON, 0, 0).distinctSorted(n, k);
    }

    /** The poisoned samples' indices, sorted. */
    public int[] indices() { return indices.clone(); }

    public int count() { return indices.length; }

    public boolean isPoisoned(int index) { return poisoned[index]; }

    public Trigger trigger() { return trigger; }

    public int target() { return target; }

    /** The clean dataset underneath. */
    public Dataset base() { return base; }

    @Override public String name() { return name; }

    @Override public int size() { return base.size(); }

    @Override public ImageShape shape() { return base.shape(); }

    @Override public List<String> classNames() { return base.classNames(); }

    @Override public int label(int index) { return poisoned[index] ? target : base.label(index); }

    @Override public void readImage(int index, float[] dst, int offset) {
        base.readImage(index, dst, offset);
        if (poisoned[index]) trigger.stamp(dst, offset, base.shape());
    }

    /** None: a relabelled sample's fine class no longer lies inside its label. */
    @Override public java.util.Optional<Subclasses> subclasses() { return java.util.Optional.empty(); }

    @Override public int sourceIndex(int index) { return base.sourceIndex(index); }
}
