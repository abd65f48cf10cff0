// Worker threads that make an epoch's batches ahead of the consumer. Workers claim batch numbers in increasing
// order, at most `depth` beyond the last batch taken (a permit per batch made or in the making, returned when the
// consumer takes it), and park each finished batch in its slot; the consumer takes slot 0, 1, 2, ... in order.
// Since claims are in order and bounded, the batch the consumer waits for is always claimed or claimable: no
// deadlock, and the sequence of batches is the same whatever the number of workers (BatchAssembler is a pure
// function of the batch number).
//
// A worker's exception is parked in its batch's slot and thrown in the consumer (DataLoaderException with that
// cause) when it reaches that batch. close() wakes and joins the workers (no interrupts: a dataset's file channel
// would close on one) and frees every batch made but not taken, so nothing outlives the epoch.
package ai.lethe.data.loader;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

final class Prefetcher implements BatchSource {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final BatchAssembler assembler;
    private final Object lock = new Object();
    private final Object[] slots;            // Batch, Failure, or null (not made yet / taken)
    private final Semaphore permits;
    private final AtomicInteger nextClaim = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private record Failure(Throwable error) {}

    Prefetcher(BatchAssembler assembler, int workers, int depth) {
        this.assembler = assembler;
        this.slots = new Object[assembler.numBatches()];
        this.permits = new Semaphore(depth);
        int n = Math.min(workers, assembler.numBatches());
        for (int i = 0; i < n; i++) {
            Thread t = Thread.ofPlatform().daemon().name("lethe-loader-" + THREADS.incrementAndGet())
                    .unstarted(this::work);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private void work() {
        while (!closed) {
            permits.acquireUninterruptibly();
            if (closed) break;
            int b = nextClaim.getAndIncrement();
            if (b >= slots.length) {
                permits.release();
                break;
            }
            Object result;
            try {
                result = assembler.make(b);
            } catch (Throwable e) {
                result = new Failure(e);
            }
            Batch orphan = null;
            synchronized (lock) {
                if (closed) {
                    if (result instanceof Batch batch) orphan = batch;
                } else {
                    slots[b] = result;
                    lock.notifyAll();
                }
            }
            if (orphan != null) orphan.close();
        }
    }

    @Override public Batch take(int b) {
        Object result;
        synchronized (lock) {
            while ((result = slots[b]) == null) {
                if (closed) throw new IllegalStateException("the epoch was closed");
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DataLoaderException("interrupted while waiting for batch " + b, e);
                }
            }
            slots[b] = null;
        }
        permits.release();
        return switch (result) {
            case Batch batch -> batch;
            case Failure(Throwable error) -> throw failure(assembler, b, error);
            default -> throw new AssertionError(result);
        };
    }

    @Override public void close() {
        List<Batch> orphans = new ArrayList<>();
        synchronized (lock) {
            if (!closed) {
                closed = true;
                for (int i = 0; i < slots.length; i++) {
                    if (slots[i] instanceof Batch batch) orphans.add(batch);
                    slots[i] = null;
                }
                lock.notifyAll();
            }
        }
        permits.release(threads.size());       // wake workers waiting for a permit; they see `closed` and stop
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        for (Batch batch : orphans) batch.close();
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** The exception the consumer sees when batch {@code b} failed. */
    static DataLoaderException failure(BatchAssembler a, int b, Throwable cause) {
        return new DataLoaderException("loading batch " + b + " of epoch " + a.epoch() + " of " + a.dataset().name()
                + " failed: " + cause, cause);
    }
}
