// The communicator of a process that works alone: rank 0 of 1, every collective a no-op (a sum over one rank is
// the tensor itself). Distributed.current() returns it unless the process joined a group.
package ai.lethe.distributed;

import ai.lethe.tensor.Tensor;
import java.util.Objects;

public final class SingleProcess implements Communicator {
    public static final SingleProcess INSTANCE = new SingleProcess();

    private SingleProcess() {}

    @Override public int rank() { return 0; }
    @Override public int size() { return 1; }
    @Override public String name() { return "single"; }
    @Override public void allReduceSum(Tensor t) { Objects.requireNonNull(t, "tensor"); }
    @Override public void broadcast(Tensor t, int root) {
        Objects.requireNonNull(t, "tensor");
        if (root != 0) throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of a single process (only 0)");
    }
    @Override public void barrier() {}
    @Override public void close() {}
    @Override public String toString() { return "SingleProcess"; }
}
