// Data plumbing the Fisher/Hessian-based unlearning methods share: an unshuffled loader over a dataset with the
// context's transform, device and workers (the SSD reference iterates its importance loaders in order), and the
// union D = Dr ∪ Df in the reference's order (ConcatDataset((retain, forget))), read through without copying;
// seeded samples without replacement.
package ai.lethe.unlearn.ssd;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.unlearn.UnlearnContext;
import java.util.List;

public final class MethodData {
    private MethodData() {}

    /** Batches of {@code data} in dataset order with the context's transform, device and workers. */
    public static DataLoader loader(UnlearnContext context, Dataset data, int batchSize) {
        return DataLoader.builder(data).batchSize(batchSize).shuffle(false).transform(context.transform())
                .device(context.device()).workers(context.workers()).build();
    }

    /** The full training set D = Dr followed by Df (the SSD reference's ConcatDataset order). */
    public static Dataset union(Dataset retain, Dataset forget) {
        if (!retain.shape().equals(forget.shape()))
            throw new IllegalArgumentException("the retain set's images are " + retain.shape() + ", the forget set's "
                    + forget.shape());
        return new Concat(retain, forget);
    }

    /** {@code count} samples of {@code data} drawn without replacement with {@code seed}, in index order. */
    public static Dataset sample(Dataset data, int count, long seed, String purpose) {
        if (count >= data.size()) return data;
        List<Integer> idx = new java.util.ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) idx.add(i);
        java.util.Collections.shuffle(idx, new java.util.Random(seed));
        int[] chosen = idx.subList(0, count).stream().mapToInt(Integer::intValue).sorted().toArray();
        return data.subset(chosen, data.name() + " (" + count + " " + purpose + ")");
    }

    /** Two datasets one after the other. */
    private record Concat(Dataset first, Dataset second) implements Dataset {
        @Override public String name() { return first.name() + " + " + second.name(); }

        @Override public int size() { return first.size() + second.size(); }

        @Override public ImageShape shape() { return first.shape(); }

        @Override public List<String> classNames() { return first.classNames(); }

        @Override public int label(int index) {
            return index < first.size() ? first.label(index) : second.label(index - first.size());
        }

        @Override public void readImage(int index, float[] dst, int offset) {
            if (index < first.size()) first.readImage(index, dst, offset);
            else second.readImage(index - first.size(), dst, offset);
        }
    }
}
