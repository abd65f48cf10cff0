// The MPI communicator: MPI_COMM_WORLD of Open MPI's libmpi (MpiLibrary, FFM), for ranks started by mpirun, srun
// or `lethe launch` on the cpu and cuda-emu backends (and cuda, through host copies, where NCCL is missing).
//
// One per process (MPI is initialised once and cannot be initialised again after MPI_Finalize): world() calls
// MPI_Init_thread on first use, close() calls MPI_Finalize. Thread level: MPI_THREAD_SERIALIZED is requested
// (any thread may call, one at a time) and every call into libmpi below holds one lock, so a training loop's
// thread, a test's thread and a closing thread never overlap in MPI; a library that provides only
// MPI_THREAD_FUNNELED is accepted, and then calls from any thread but the initialising one are refused.
// MPI_COMM_WORLD's error handler is set to MPI_ERRORS_RETURN, so a failing call returns its code, which becomes a
// LetheException naming the call and MPI_Error_string's text, instead of aborting the job.
//
// Tensors: a contiguous cpu (host) tensor is reduced in its own memory; strided views and cuda-emu/cuda tensors
// are staged through host copies (HostBuffer; no CUDA-aware MPI is assumed). Element counts above MPI's int count
// (Integer.MAX_VALUE) are split into several calls. allReduceSumAsync starts MPI_Iallreduce per tensor and
// Pending.await() is MPI_Waitall: Open MPI has no progress thread, so the reduction advances inside MPI calls
// (chiefly the wait) rather than fully in the background.
package ai.lethe.distributed;

import ai.lethe.core.DType;
import ai.lethe.core.LetheException;
import ai.lethe.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

public final class MpiCommunicator implements Communicator {
    private static final Object INIT = new Object();
    private static MpiCommunicator world;     // guarded by INIT
    private static boolean finalized;         // guarded by INIT
    /** The largest element count one MPI call is given (MPI counts are C ints); tests lower it to check splitting. */
    static volatile int maxCount = Integer.MAX_VALUE;

    private final MpiLibrary lib;
    private final int rank, size, threadLevel;
    private final Thread initThread;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    private MpiCommunicator(MpiLibrary lib, int rank, int size, int threadLevel, Thread initThread) {
        this.lib = lib;
        this.rank = rank;
        this.size = size;
        this.threadLevel = threadLevel;
        this.initThread = initThread;
    }

    /**
     * MPI_COMM_WORLD of this process, initialising MPI on the first call. Fails with a LetheException when
     * libmpi.so.40 cannot be loaded (saying what to install) or MPI was finalized in this process already.
     */
    public static MpiCommunicator world() {
        synchronized (INIT) {
            if (world != null) return world;
            if (finalized)
                throw new IllegalStateException("MPI was finalized in this process; MPI cannot be initialised twice");
            MpiLibrary lib = MpiLibrary.get();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment flag = arena.allocate(ValueLayout.JAVA_INT);
                lib.check((int) lib.finalized.invokeExact(flag), "MPI_Finalized");
                if (flag.get(ValueLayout.JAVA_INT, 0) != 0)
                    throw new IllegalStateException("MPI was finalized in this process; MPI cannot be initialised twice");
                lib.check((int) lib.initialized.invokeExact(flag), "MPI_Initialized");
                int provided;
                if (flag.get(ValueLayout.JAVA_INT, 0) == 0) {
                    MemorySegment prov = arena.allocate(ValueLayout.JAVA_INT);
                    // argc and argv may be NULL (MPI-2.0 and later)
                    lib.check((int) lib.initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL,
                            MpiLibrary.MPI_THREAD_SERIALIZED, prov), "MPI_Init_thread");
                    provided = prov.get(ValueLayout.JAVA_INT, 0);
                } else {
                    provided = MpiLibrary.MPI_THREAD_FUNNELED;     // initialised by someone else: assume the least we need
                }
                if (provided < MpiLibrary.MPI_THREAD_FUNNELED)
                    throw new LetheException("MPI_Init_thread provided thread level " + provided
                            + " (MPI_THREAD_SINGLE); Lethe needs MPI_THREAD_FUNNELED or better (the JVM has other threads)");
                lib.check((int) lib.commSetErrhandler.invokeExact(lib.commWorld, lib.errorsReturn),
                        "MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN)");
                MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
                lib.check((int) lib.commRank.invokeExact(lib.commWorld, out), "MPI_Comm_rank");
                int r = out.get(ValueLayout.JAVA_INT, 0);
                lib.check((int) lib.commSize.invokeExact(lib.commWorld, out), "MPI_Comm_size");
                int s = out.get(ValueLayout.JAVA_INT, 0);
                world = new MpiCommunicator(lib, r, s, provided, Thread.currentThread());
                return world;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new LetheException("MPI initialisation failed: " + t, t);
            }
        }
    }

    /** Null when Open MPI's library can be loaded, else why not (what `lethe info` prints). */
    public static String unavailableReason() { return MpiLibrary.unavailableReason(); }

    /** MPI_Get_library_version's string (callable without initialising MPI); a LetheException when MPI is missing. */
    public static String libraryVersion() { return MpiLibrary.get().libraryVersionString(); }

    @Override public int rank() { return rank; }
    @Override public int size() { return size; }
    @Override public String name() { return "mpi"; }

    /** The thread level MPI_Init_thread provided (MpiLibrary.MPI_THREAD_*: 1 funneled, 2 serialized, 3 multiple). */
    public int threadLevel() { return threadLevel; }

    @Override public void allReduceSum(Tensor t) {
        try (HostBuffer buf = HostBuffer.of(t, "allReduceSum")) {
            enter("allReduceSum");
            try {
                forEachChunk(buf, (ptr, count) -> lib.check((int) lib.allreduce.invokeExact(MpiLibrary.MPI_IN_PLACE, ptr,
                        count, datatype(buf.dtype()), lib.opSum, lib.commWorld), "MPI_Allreduce"));
            } finally {
                lock.unlock();
            }
            buf.writeBack();
        }
    }

    @Override public Pending allReduceSumAsync(List<Tensor> tensors) {
        Objects.requireNonNull(tensors, "tensors");
        List<HostBuffer> buffers = new ArrayList<>(tensors.size());
        Arena requests = Arena.ofShared();
        int[] started = {0};
        try {
            for (Tensor t : tensors) buffers.add(HostBuffer.of(t, "allReduceSumAsync"));
            long calls = 0;
            for (HostBuffer b : buffers) calls += Math.max(1, (b.count() + maxCount - 1) / maxCount);
            if (calls > Integer.MAX_VALUE) throw new IllegalArgumentException("allReduceSumAsync: too many requests " + calls);
            // MPI_Request is a pointer in Open MPI (mpi.h:426): one address-sized slot per call
            MemorySegment reqs = requests.allocate(ValueLayout.ADDRESS, Math.max(calls, 1));
            int n = 0;
            enter("allReduceSumAsync");
            try {
                for (HostBuffer b : buffers) {
                    int[] next = {n};
                    forEachChunk(b, (ptr, count) -> {
                        MemorySegment req = reqs.asSlice(next[0] * ValueLayout.ADDRESS.byteSize(), ValueLayout.ADDRESS);
                        lib.check((int) lib.iallreduce.invokeExact(MpiLibrary.MPI_IN_PLACE, ptr, count,
                                datatype(b.dtype()), lib.opSum, lib.commWorld, req), "MPI_Iallreduce");
                        next[0]++;
                        started[0]++;
                    });
                    n = next[0];
                }
            } finally {
                lock.unlock();
            }
            return new AsyncReduction(buffers, requests, reqs, n);
        } catch (RuntimeException | Error e) {
            // requests already started cannot be cancelled (collectives) and may still write their buffers: those
            // are left allocated (this rank's group is broken anyway); without any, everything is freed
            if (started[0] == 0) {
                buffers.forEach(HostBuffer::close);
                requests.close();
            }
            throw e;
        }
    }

    /** The MPI_Iallreduce requests of one bucket; await() is MPI_Waitall, then the staged copies go back. */
    private final class AsyncReduction implements Pending {
        private final List<HostBuffer> buffers;
        private final Arena arena;
        private final MemorySegment requests;
        private final int count;
        private boolean done;

        AsyncReduction(List<HostBuffer> buffers, Arena arena, MemorySegment requests, int count) {
            this.buffers = buffers;
            this.arena = arena;
            this.requests = requests;
            this.count = count;
        }

        @Override public synchronized void await() {
            if (done) return;
            done = true;
            try {
                enter("Pending.await");
                try {
                    lib.check((int) lib.waitall.invokeExact(count, requests, MpiLibrary.MPI_STATUS_IGNORE), "MPI_Waitall");
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new LetheException("MPI_Waitall failed: " + t, t);
                } finally {
                    lock.unlock();
                }
                for (HostBuffer b : buffers) b.writeBack();
            } finally {
                buffers.forEach(HostBuffer::close);
                arena.close();
            }
        }
    }

    @Override public void broadcast(Tensor t, int root) {
        HostBuffer.checkFloat(t, "broadcast");
        if (root < 0 || root >= size)
            throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of this group (0.." + (size - 1) + ")");
        try (HostBuffer buf = HostBuffer.of(t, "broadcast")) {
            enter("broadcast");
            try {
                forEachChunk(buf, (ptr, count) -> lib.check((int) lib.bcast.invokeExact(ptr, count, datatype(buf.dtype()),
                        root, lib.commWorld), "MPI_Bcast"));
            } finally {
                lock.unlock();
            }
            if (rank != root) buf.writeBack();
        }
    }

    /** Broadcasts {@code bytes} (of equal length on every rank) from {@code root}, in place (NCCL's unique id). */
    void broadcastBytes(byte[] bytes, int root) {
        if (root < 0 || root >= size)
            throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of this group (0.." + (size - 1) + ")");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buf, ValueLayout.JAVA_BYTE, 0, bytes.length);
            enter("broadcast");
            try {
                lib.check((int) lib.bcast.invokeExact(buf, bytes.length, lib.byteType, root, lib.commWorld), "MPI_Bcast");
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new LetheException("MPI_Bcast failed: " + t, t);
            } finally {
                lock.unlock();
            }
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
        }
    }

    @Override public void barrier() {
        enter("barrier");
        try {
            lib.check((int) lib.barrier.invokeExact(lib.commWorld), "MPI_Barrier");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new LetheException("MPI_Barrier failed: " + t, t);
        } finally {
            lock.unlock();
        }
    }

    /** MPI_Finalize (collective: every rank closes). Idempotent; MPI cannot be used again in this process. */
    @Override public void close() {
        synchronized (INIT) {
            if (closed) return;
            lock.lock();
            try {
                closed = true;
                finalized = true;
                world = null;
                lib.check((int) lib.finalizeCall.invokeExact(), "MPI_Finalize");
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new LetheException("MPI_Finalize failed: " + t, t);
            } finally {
                lock.unlock();
            }
        }
    }

    @Override public String toString() { return "MpiCommunicator[rank " + rank + " of " + size + "]"; }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** Takes the lock for an MPI call; refuses a closed communicator and, under FUNNELED, a foreign thread. */
    private void enter(String op) {
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new IllegalStateException(op + ": the MPI communicator is closed (MPI_Finalize was called)");
        }
        if (threadLevel < MpiLibrary.MPI_THREAD_SERIALIZED && Thread.currentThread() != initThread) {
            lock.unlock();
            throw new IllegalStateException(op + ": MPI provides only MPI_THREAD_FUNNELED; call from the thread that "
                    + "initialised it (" + initThread.getName() + ")");
        }
    }

    private MemorySegment datatype(DType d) {
        return switch (d) {
            case FLOAT32 -> lib.floatType;
            case FLOAT64 -> lib.doubleType;
            case INT64 -> throw new IllegalArgumentException("MPI: int64 tensors are not reduced");
        };
    }

    @FunctionalInterface
    private interface ChunkCall {
        void call(MemorySegment pointer, int count) throws Throwable;
    }

    /** Calls {@code call} on consecutive pieces of at most maxCount elements (one call for an empty tensor). */
    private static void forEachChunk(HostBuffer buf, ChunkCall call) {
        long total = buf.count(), elem = buf.dtype().byteSize(), step = maxCount;
        long start = 0;
        try {
            do {
                int count = (int) Math.min(step, total - start);
                call.call(count == 0 ? buf.segment() : buf.segment().asSlice(start * elem, count * elem), count);
                start += count;
            } while (start < total);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new LetheException("MPI call failed: " + t, t);
        }
    }
}
