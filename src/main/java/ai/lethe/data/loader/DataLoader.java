// Batches of a dataset for training and evaluation (torch.utils.data.DataLoader's job). Settings: batch size,
// shuffle (seeded: epoch e's order is a pure function of (seed, e)), dropLast, a transform (null = none), the
// device of the batch tensors, worker threads that read, transform and upload whole batches ahead of the caller
// (0 = on the caller's thread), and the prefetch depth (batches made ahead, at most). The same seed gives the
// same batches — content and order — whatever the number of workers and on every backend: augmentation draws
// from each sample's own stream RandomSource.forSample(seed, epoch, index).
//
// Sharded for data-parallel training (shard(rank, ranks)): the loader still walks the single-process order of global
// batches of batchSize samples, and each batch it yields is this rank's slice of that global batch (batchSize/ranks
// samples; the batch size must be a multiple of the ranks). The union of the ranks' batch b is the single-process
// batch b, sample for sample and augmentation for augmentation (per-sample streams do not depend on the ranks).
// A final partial batch is split as evenly as possible; one with fewer samples than ranks (some rank would get none)
// is dropped on every rank — the one place where N ranks see less than one process.
//
//   DataLoader loader = DataLoader.builder(train).batchSize(256).shuffle(true).seed(1).transform(t).build();
//   for (int e = 0; e < epochs; e++)
//       try (Epoch epoch = loader.epoch(e)) { for (Batch b : epoch) try (b) { step(b.images(), b.labels()); } }
package ai.lethe.data.loader;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.transform.Transform;
import java.util.Objects;

public final class DataLoader {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final Transform transform;
    private final Device device;
    private final int workers;
    private final int prefetch;
    private final BatchUploader uploader;
    private final ImageShape outShape;
    private final int rank, ranks;

    private DataLoader(Builder b) {
        this.rank = b.rank;
        this.ranks = b.ranks;
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.transform = b.transform;
        this.device = b.device != null ? b.device : Backends.defaultDevice();
        this.workers = b.workers >= 0 ? b.workers : defaultWorkers();
        this.prefetch = b.prefetch > 0 ? b.prefetch : Math.max(2, 2 * workers);
        this.uploader = b.uploader != null ? b.uploader : BatchUploader.forDevice(device);
        this.outShape = transform == null ? dataset.shape() : transform.outputShape(dataset.shape());
    }

    public static Builder builder(Dataset dataset) { return new Builder(dataset); }

    /** min(2, available cores): the default number of workers. */
    public static int defaultWorkers() { return Math.min(2, Runtime.getRuntime().availableProcessors()); }

    /** Epoch {@code epoch}'s batches (see Epoch: iterate once, close it when stopping early). */
    public Epoch epoch(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        int batches = numBatches();
        return new Epoch(epoch, batches, () -> {
            var assembler = new BatchAssembler(dataset, transform, seed, epoch, Shuffle.order(dataset.size(), shuffle, seed, epoch),
                    batchSize, batches, outShape, uploader, device, rank, ranks);
            return workers == 0 ? new SyncSource(assembler) : new Prefetcher(assembler, workers, prefetch);
        });
    }

    /**
     * Batches per epoch: size / batchSize, rounded up unless dropLast; sharded, a final batch with fewer samples than
     * ranks is left out.
     */
    public int numBatches() {
        int n = dataset.size();
        if (dropLast) return n / batchSize;
        int tail = n % batchSize;
        return n / batchSize + (tail == 0 || tail < ranks ? 0 : 1);
    }

    /** The samples of global batch {@code b} (all ranks together): batchSize except for a final partial batch. */
    public int globalBatchSize(int b) {
        if (b < 0 || b >= numBatches()) throw new IndexOutOfBoundsException("batch " + b + " of " + numBatches());
        return Math.min(batchSize, dataset.size() - b * batchSize);
    }

    /** This loader's rank (0 unless sharded). */
    public int rank() { return rank; }

    /** The ranks the global batches are split over (1 unless sharded). */
    public int ranks() { return ranks; }

    /** Samples of a full batch on this rank: batchSize / ranks. */
    public int localBatchSize() { return batchSize / ranks; }

    /** The dataset positions epoch {@code epoch} visits, in order (before dropLast). */
    public int[] order(int epoch) { return Shuffle.order(dataset.size(), shuffle, seed, epoch); }

    public Dataset dataset() { return dataset; }

    /** The global batch size (all ranks together). */
    public int batchSize() { return batchSize; }

    public boolean shuffle() { return shuffle; }

    public long seed() { return seed; }

    public boolean dropLast() { return dropLast; }

    /** The transform, or null. */
    public Transform transform() { return transform; }

    public Device device() { return device; }

    public int workers() { return workers; }

    public int prefetch() { return prefetch; }

    /** The shape of each image in a batch (after the transform). */
    public ImageShape imageShape() { return outShape; }

    @Override public String toString() {
        return "DataLoader(" + dataset.name() + ", batch " + batchSize + (shuffle ? ", shuffled, seed " + seed : "")
                + (dropLast ? ", dropLast" : "") + (ranks > 1 ? ", rank " + rank + " of " + ranks : "") + ", " + device + ", workers " + workers + ", prefetch " + prefetch
                + (transform == null ? "" : ", " + transform) + ")";
    }

    /** Settings of a DataLoader; every one but the dataset has a default. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private long seed;
        private boolean dropLast;
        private Transform transform;
        private Device device;
        private int workers = -1;
        private int prefetch;
        private BatchUploader uploader;
        private int rank, ranks = 1;

        private Builder(Dataset dataset) { this.dataset = Objects.requireNonNull(dataset, "dataset"); }

        /** Samples per batch (default 1). */
        public Builder batchSize(int n) {
            if (n <= 0) throw new IllegalArgumentException("batch size must be positive, got " + n);
            batchSize = n;
            return this;
        }

        /** Visit the samples in a new seeded order each epoch (default false: dataset order). */
        public Builder shuffle(boolean on) { shuffle = on; return this; }

        /** Seed of the shuffle and of the augmentation (default 0). */
        public Builder seed(long s) { seed = s; return this; }

        /** Drop the last batch when it is smaller than the batch size (default false). */
        public Builder dropLast(boolean on) { dropLast = on; return this; }

        /** Applied to every sample (null, the default: none). */
        public Builder transform(Transform t) { transform = t; return this; }

        /** Where the batch tensors go (default: Backends.defaultDevice()). */
        public Builder device(Device d) { device = d; return this; }

        /** Background threads making batches; 0 makes them on the caller's thread (default min(2, cores)). */
        public Builder workers(int n) {
            if (n < 0) throw new IllegalArgumentException("workers must be >= 0, got " + n);
            workers = n;
            return this;
        }

        /** Batches made ahead of the consumer, at most (default max(2, 2 x workers)). */
        public Builder prefetch(int n) {
            if (n <= 0) throw new IllegalArgumentException("prefetch depth must be positive, got " + n);
            prefetch = n;
            return this;
        }

        /** How host batches become device tensors (default BatchUploader.forDevice(device)). */
        public Builder uploader(BatchUploader u) { uploader = u; return this; }

        /**
         * Yield rank {@code rank}'s slice of every global batch of batchSize samples, for data-parallel training over
         * {@code ranks} ranks (default: rank 0 of 1, the whole batch). batchSize must be a multiple of ranks.
         */
        public Builder shard(int rank, int ranks) {
            if (ranks < 1 || rank < 0 || rank >= ranks)
                throw new IllegalArgumentException("shard: rank " + rank + " of " + ranks + " ranks is not a rank (need 0 <= rank < ranks)");
            this.rank = rank;
            this.ranks = ranks;
            return this;
        }

        public DataLoader build() {
            if (dataset.size() == 0) throw new IllegalArgumentException("dataset " + dataset.name() + " is empty");
            if (batchSize % ranks != 0)
                throw new IllegalArgumentException("data-parallel loading: the global batch size " + batchSize + " is not a multiple of the "
                        + ranks + " ranks; choose a batch size divisible by " + ranks + " (each rank takes batch/ranks samples)");
            return new DataLoader(this);
        }
    }
}
