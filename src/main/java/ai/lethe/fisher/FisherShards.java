// A rank's share of a Fisher (or gradient-sum) pass over a data loader, chosen so that the shares of all ranks,
// summed, are the single-process sum: the loader is not changed, a new loader over a view of its samples is made.
//   byBatches   rank r of N takes whole batches r, r+N, r+2N, ... of the loader's single-process batch sequence
//               (the batch-mean Fisher squares each batch's mean gradient: a batch must stay whole);
//   bySamples   rank r takes the contiguous block [⌊r·n/N⌋, ⌊(r+1)·n/N⌋) of the n samples the loader visits, in
//               batches of the loader's batch size (per-sample sums do not depend on how samples are batched).
// The view reads each sample as the loader would — same transform, its random stream keyed by the sample's position
// in the original loader (RandomSource.forSample(seed, 0, index)), so augmentation, if any, does not depend on N —
// and the shard loader keeps the loader's device, workers and prefetch depth. Empty when the rank has no samples
// (more ranks than batches): the rank still takes part in the reduction with zeros.
package ai.lethe.fisher;

import ai.lethe.data.Dataset;
import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.transform.RandomSource;
import ai.lethe.data.transform.Transform;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

public final class FisherShards {
    private FisherShards() {}

    /** The number of samples one pass of {@code loader} visits (its dataset size, less a dropped last batch). */
    public static long samples(DataLoader loader) {
        int n = loader.dataset().size();
        return loader.dropLast() ? (long) (n / loader.batchSize()) * loader.batchSize() : n;
    }

    /** Rank {@code rank} of {@code size}'s whole batches r, r+N, ... of epoch 0 of {@code loader}, or empty. */
    public static Optional<DataLoader> byBatches(DataLoader loader, int rank, int size) {
        check(rank, size);
        int[] order = visited(loader);
        int b = loader.batchSize(), batches = loader.numBatches();
        int count = 0;
        for (int k = rank; k < batches; k += size) count += Math.min(b, order.length - k * b);
        int[] mine = new int[count];
        int at = 0;
        for (int k = rank; k < batches; k += size) {
            int from = k * b, n = Math.min(b, order.length - from);
            System.arraycopy(order, from, mine, at, n);
            at += n;
        }
        return shard(loader, mine, "batches " + rank + "+" + size + "k");
    }

    /** Rank {@code rank} of {@code size}'s contiguous block of the samples of epoch 0 of {@code loader}, or empty. */
    public static Optional<DataLoader> bySamples(DataLoader loader, int rank, int size) {
        check(rank, size);
        int[] order = visited(loader);
        int[] block = block(order.length, rank, size);
        return shard(loader, Arrays.copyOfRange(order, block[0], block[1]), "samples " + block[0] + ".." + block[1]);
    }

    /** [from, to): rank {@code rank} of {@code size}'s contiguous block of {@code n} positions. */
    public static int[] block(int n, int rank, int size) {
        check(rank, size);
        return new int[] {(int) ((long) rank * n / size), (int) ((long) (rank + 1) * n / size)};
    }

    private static void check(int rank, int size) {
        if (size < 1 || rank < 0 || rank >= size)
            throw new IllegalArgumentException("Fisher shard: rank " + rank + " is not a rank of a group of " + size);
    }

    /** The dataset positions one pass of epoch 0 visits, in order (a dropped last batch left out). */
    private static int[] visited(DataLoader loader) {
        int[] order = loader.order(0);
        long n = samples(loader);
        return n == order.length ? order : Arrays.copyOf(order, (int) n);
    }

    private static Optional<DataLoader> shard(DataLoader loader, int[] positions, String what) {
        if (positions.length == 0) return Optional.empty();
        Dataset view = new View(loader.dataset(), positions, loader.transform(), loader.seed(), loader.imageShape(),
                loader.dataset().name() + " (" + what + ")");
        return Optional.of(DataLoader.builder(view).batchSize(loader.batchSize()).shuffle(false).device(loader.device())
                .workers(loader.workers()).prefetch(loader.prefetch()).build());
    }

    /**
     * Samples {@code positions} of {@code base}, transformed as the original loader transforms them (epoch 0, each
     * sample's random stream keyed by its position in {@code base}); a view reads through, nothing is copied.
     */
    private record View(Dataset base, int[] positions, Transform transform, long seed, ImageShape shape, String name)
            implements Dataset {
        @Override public int size() { return positions.length; }

        @Override public List<String> classNames() { return base.classNames(); }

        @Override public int label(int index) { return base.label(positions[index]); }

        @Override public void readImage(int index, float[] dst, int offset) {
            int at = positions[index];
            if (transform == null) {
                base.readImage(at, dst, offset);
                return;
            }
            Image out = transform.apply(base.image(at), RandomSource.forSample(seed, 0, at));
            if (!out.shape().equals(shape))
                throw new IllegalStateException("transform " + transform + " made an image of " + out.shape() + " from sample "
                        + at + " of " + base.name() + "; expected " + shape);
            System.arraycopy(out.data(), 0, dst, offset, shape.size());
        }

        @Override public int sourceIndex(int index) { return base.sourceIndex(positions[index]); }
    }
}
