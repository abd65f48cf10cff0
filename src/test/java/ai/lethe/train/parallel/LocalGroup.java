// A test-only group of N ranks inside one JVM, one thread per rank: each rank's Communicator meets the others at a
// barrier for every collective and sums in rank order (0, 1, ..., N-1), so every rank gets bit-identical results.
// It lets the data-parallel code (DataParallel, GradientBuckets, SyncBatchNorm2d, the Trainer's sharded loop) run
// with real collectives without MPI; run(body) starts one thread per rank and rethrows the first failure.
package ai.lethe.train.parallel;

import ai.lethe.core.DType;
import ai.lethe.distributed.Communicator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

public final class LocalGroup {
    private final int size;
    private int arrived, generation;
    private boolean failed;
    private final double[][] slots;

    public LocalGroup(int size) {
        this.size = size;
        this.slots = new double[size][];
    }

    public Communicator rank(int r) { return new Rank(r); }

    /** Runs {@code body} on one thread per rank; returns the results by rank. */
    public <T> List<T> run(Function<Communicator, T> body) throws Exception {
        List<T> results = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < size; r++) results.add(null);
        for (int r = 0; r < size; r++) {
            int rank = r;
            Thread t = new Thread(() -> {
                try {
                    T v = body.apply(rank(rank));
                    synchronized (results) { results.set(rank, v); }
                } catch (Throwable e) {
                    synchronized (failures) { failures.add(e); }
                    fail();
                }
            }, "rank-" + r);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join(TimeUnit.MINUTES.toMillis(5));
        if (!failures.isEmpty()) {
            Throwable first = failures.stream().filter(e -> !(e instanceof GroupFailed)).findFirst().orElse(failures.getFirst());
            if (first instanceof Exception e) throw e;
            throw (Error) first;
        }
        return results;
    }

    /** Thrown in the other ranks when one rank failed (as MPI would abort the job). */
    static final class GroupFailed extends IllegalStateException {
        GroupFailed() { super("local group: another rank failed"); }
    }

    private synchronized void fail() {
        failed = true;
        notifyAll();
    }

    private synchronized void await() {
        if (failed) throw new GroupFailed();
        int gen = generation;
        if (++arrived == size) {
            arrived = 0;
            generation++;
            notifyAll();
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (gen == generation) {
            if (failed) throw new GroupFailed();
            if (System.nanoTime() > deadline) throw new IllegalStateException("local group: a rank hung");
            try {
                wait(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("local group: interrupted", e);
            }
        }
    }

    private final class Rank implements Communicator {
        final int rank;

        Rank(int rank) { this.rank = rank; }

        @Override public int rank() { return rank; }
        @Override public int size() { return size; }
        @Override public String name() { return "local"; }

        @Override public void allReduceSum(Tensor t) {
            slots[rank] = t.toDoubleArray();
            await();
            double[] sum = new double[slots[rank].length];
            boolean f32 = t.dtype() == DType.FLOAT32;
            for (int r = 0; r < size; r++)
                for (int i = 0; i < sum.length; i++) sum[i] = f32 ? (float) (sum[i] + slots[r][i]) : sum[i] + slots[r][i];
            await();
            write(t, sum);
        }

        @Override public void broadcast(Tensor t, int root) {
            if (rank == root) slots[root] = t.toDoubleArray();
            await();
            double[] v = slots[root];
            await();
            if (rank != root) write(t, v);
        }

        private void write(Tensor t, double[] values) {
            try (var _ = GradMode.noGrad();
                 Tensor src = Scope.unscoped(() -> Tensor.fromArray(values, t.dtype(), t.device(), t.shape().dims()))) {
                t.copyFrom(src);
            }
        }

        @Override public void barrier() { await(); }
        @Override public void close() {}
    }
}
