// One pass over a DataLoader's dataset: an Iterable of Batches (iterate it once) that is also AutoCloseable.
// Workers start when the iteration starts. Reaching the end releases everything by itself; to stop early (a
// break, an exception), close the epoch — try-with-resources — which stops the workers and frees every batch
// made ahead. Batches already handed out are the consumer's: close each one (or keep its tensors).
//
//   try (Epoch epoch = loader.epoch(e)) {
//       for (Batch batch : epoch) {
//           try (batch) { ... }
//       }
//   }
package ai.lethe.data.loader;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Supplier;

public final class Epoch implements Iterable<Batch>, AutoCloseable {
    private final int number;
    private final int numBatches;
    private final Supplier<BatchSource> start;
    private BatchSource source;
    private boolean iterated;
    private boolean closed;
    private int next;

    Epoch(int number, int numBatches, Supplier<BatchSource> start) {
        this.number = number;
        this.numBatches = numBatches;
        this.start = start;
    }

    /** The epoch number given to {@link DataLoader#epoch(int)}. */
    public int number() { return number; }

    /** Number of batches this epoch yields. */
    public int numBatches() { return numBatches; }

    /** The batches, in order; an epoch can be iterated once. */
    @Override public synchronized Iterator<Batch> iterator() {
        if (iterated) throw new IllegalStateException("epoch " + number + " can be iterated only once; ask the loader for it again");
        if (closed) throw new IllegalStateException("epoch " + number + " is closed");
        iterated = true;
        source = start.get();
        return new Iterator<>() {
            @Override public boolean hasNext() {
                synchronized (Epoch.this) {
                    if (closed) return false;
                    if (next < numBatches) return true;
                }
                close();
                return false;
            }

            @Override public Batch next() {
                BatchSource s;
                int b;
                synchronized (Epoch.this) {
                    if (closed || next >= numBatches) throw new NoSuchElementException("epoch " + number + " has no more batches");
                    s = source;
                    b = next++;
                }
                try {
                    Batch batch = s.take(b);
                    if (b == numBatches - 1) close();
                    return batch;
                } catch (RuntimeException | Error e) {
                    close();
                    throw e;
                }
            }
        };
    }

    /** Stops the workers and frees the batches made but not handed out. Idempotent. */
    @Override public void close() {
        BatchSource s;
        synchronized (this) {
            if (closed) return;
            closed = true;
            s = source;
        }
        if (s != null) s.close();
    }
}
