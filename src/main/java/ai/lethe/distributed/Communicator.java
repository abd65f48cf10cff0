// The collective operations a group of processes (ranks) uses to train one model or compute one Fisher diagonal
// together: all-reduce (sum, in place), broadcast and barrier, on tensors of any device the communicator serves.
// Implementations: SingleProcess (one rank, every call a no-op), MpiCommunicator (Open MPI's libmpi through FFM,
// for the cpu and cuda-emu backends) and NcclCommunicator (libnccl.so.2 through FFM, on the cuda backend's stream).
// Every rank calls the same collectives in the same order with tensors of the same shape and dtype (float32 or
// float64), as in MPI and NCCL; a mismatch is the caller's bug and is reported where the library reports it.
// A communicator owns native state (MPI's world, an NCCL communicator): close it once, when the process is done.
package ai.lethe.distributed;

import ai.lethe.tensor.Tensor;
import java.util.List;

public interface Communicator extends AutoCloseable {
    /** This process's rank, 0 <= rank < size. */
    int rank();

    /** The number of ranks in the group (1 for SingleProcess). */
    int size();

    /** A short name for logs and `lethe info`: "single", "mpi", "nccl". */
    String name();

    /** Sums {@code t} element-wise over all ranks, in place: afterwards every rank holds the same sum. */
    void allReduceSum(Tensor t);

    /**
     * Starts {@link #allReduceSum} of {@code tensors} (one bucket) and returns at once where the implementation
     * can overlap the reduction with other work (MPI_Iallreduce, NCCL on its stream); the tensors must not be
     * read or written until {@link Pending#await()} returns. The default reduces them synchronously.
     */
    default Pending allReduceSumAsync(List<Tensor> tensors) {
        for (Tensor t : tensors) allReduceSum(t);
        return Pending.DONE;
    }

    /** Copies {@code t} of rank {@code root} into {@code t} of every other rank, in place. */
    void broadcast(Tensor t, int root);

    /** Returns when every rank has called barrier(). */
    void barrier();

    /** True on rank 0, the rank that writes checkpoints, run folders and reports. */
    default boolean isLeader() { return rank() == 0; }

    /** Releases the native state (MPI_Finalize, ncclCommDestroy). Idempotent. */
    @Override void close();

    /** An all-reduce in flight (see allReduceSumAsync). */
    @FunctionalInterface
    interface Pending {
        Pending DONE = () -> {};

        /** Blocks until the reduction is complete and its result is in the tensors. */
        void await();
    }
}
