// This thread's share of a data-parallel global batch while a rank runs its forward pass: samples
// [offset, offset + local) of a global batch of `global` samples (DataParallel.shard opens it around each step's
// forward). Random draws that are per sample — dropout's masks — number their elements as the single process does
// over the whole global batch, so N ranks draw, sample for sample, the masks one process draws (Dropout): the
// generator reserves the global batch's draw on every rank (the counters stay in step) and each rank computes only
// its slice of it. No shard open: draws cover the tensor as it is (a single process).
package ai.lethe.tensor;

public record BatchShard(long offset, long local, long global) {
    private static final ThreadLocal<BatchShard> CURRENT = new ThreadLocal<>();

    public BatchShard {
        if (offset < 0 || local < 1 || offset + local > global)
            throw new IllegalArgumentException("BatchShard: samples [" + offset + ", " + (offset + local) + ") are not inside a global batch of "
                    + global);
    }

    /** The shard open on this thread, or null. */
    public static BatchShard current() { return CURRENT.get(); }

    /** Makes {@code shard} this thread's until the returned scope closes (restoring the one before; null opens none). */
    public static Open open(BatchShard shard) {
        BatchShard before = CURRENT.get();
        CURRENT.set(shard);
        return () -> {
            if (before == null) CURRENT.remove();
            else CURRENT.set(before);
        };
    }

    /** The lifetime of an open shard. */
    @FunctionalInterface
    public interface Open extends AutoCloseable {
        @Override void close();
    }
}
