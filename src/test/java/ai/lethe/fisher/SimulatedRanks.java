// N ranks simulated in one process, one after the other, for tests of code that shares work over a Communicator:
// ranks 1..N-1 run first, each with a communicator that records (copies) what it is asked to all-reduce and leaves
// the tensor as it is; rank 0 runs last with one that adds the recorded tensors of ranks 1..N-1, in rank order, into
// its own at the same call — so rank 0 ends with exactly what an MPI sum over N ranks would give it (p0 + p1 + ...,
// float32 in float32). Only rank 0's result is kept. This holds for code whose partial sums do not depend on earlier
// reductions' results (the Fisher passes, the gradient sums of IU: each reduction's input is computed from the model
// and the rank's data alone); broadcast and barrier are no-ops. Each rank gets a fresh state from {@code task}.
package ai.lethe.fisher;

import ai.lethe.distributed.Communicator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

public final class SimulatedRanks {
    private SimulatedRanks() {}

    /** Runs {@code task} as each of {@code size} ranks (highest first) and returns rank 0's result. */
    public static <T> T run(int size, Function<Communicator, T> task) { return run(size, task, calls -> {}); }

    /** As above, telling {@code allReduces} how many all-reduces (one per tensor) every rank made. */
    public static <T> T run(int size, Function<Communicator, T> task, java.util.function.IntConsumer allReduces) {
        List<List<Tensor>> recorded = new ArrayList<>();
        try {
            for (int r = size - 1; r >= 1; r--) {
                Recording rec = new Recording(r, size);
                T ignored = task.apply(rec);
                if (ignored instanceof AutoCloseable c) try { c.close(); } catch (Exception e) { throw new IllegalStateException(e); }
                recorded.addFirst(rec.tensors);
            }
            Replaying zero = new Replaying(size, recorded);
            T result = task.apply(zero);
            for (List<Tensor> l : recorded)
                if (l.size() != zero.calls)
                    throw new IllegalStateException("rank 0 made " + zero.calls + " all-reduces, another rank " + l.size());
            allReduces.accept(zero.calls);
            return result;
        } finally {
            recorded.forEach(l -> l.forEach(Tensor::close));
        }
    }

    private abstract static class Simulated implements Communicator {
        final int rank, size;
        int calls;

        Simulated(int rank, int size) {
            this.rank = rank;
            this.size = size;
        }

        @Override public int rank() { return rank; }
        @Override public int size() { return size; }
        @Override public String name() { return "simulated"; }
        @Override public void broadcast(Tensor t, int root) {}
        @Override public void barrier() {}
        @Override public void close() {}
    }

    /** Ranks 1..N-1: keeps a copy of each all-reduce's input. */
    private static final class Recording extends Simulated {
        final List<Tensor> tensors = new ArrayList<>();

        Recording(int rank, int size) { super(rank, size); }

        @Override public void allReduceSum(Tensor t) {
            calls++;
            tensors.add(Scope.unscoped(t::copy));
        }
    }

    /** Rank 0: adds the other ranks' recorded inputs of the same call. */
    private static final class Replaying extends Simulated {
        final List<List<Tensor>> others;

        Replaying(int size, List<List<Tensor>> others) {
            super(0, size);
            this.others = others;
        }

        @Override public void allReduceSum(Tensor t) {
            int call = calls++;
            try (var _ = ai.lethe.tensor.GradMode.noGrad()) {
                for (List<Tensor> rank : others) {
                    Tensor other = rank.get(call);
                    if (!other.shape().equals(t.shape()))
                        throw new IllegalStateException("all-reduce " + call + ": rank 0 has " + t.shape() + ", another rank " + other.shape());
                    t.addInPlace(other, 1);
                }
            }
        }
    }
}
