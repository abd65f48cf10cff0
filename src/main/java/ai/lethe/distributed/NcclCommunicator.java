// The NCCL communicator for ranks on NVIDIA GPUs (the cuda backend): collectives run on the device, queued on the
// CUDA backend's own stream (CudaContext.stream()), so they are ordered with the backend's kernels without a host
// wait: a gradient's all-reduce starts after the kernels that wrote it and the optimizer's kernels run after it.
//
// Set-up (connect): rank 0 makes the unique id (ncclGetUniqueId), the id reaches every rank by MPI_Bcast when the
// ranks were started by an MPI launcher and libmpi is there, else over TcpRendezvous at the master (--master,
// LETHE_MASTER, MASTER_ADDR:MASTER_PORT); then ncclCommInitRank on the rank's device. allReduceSumAsync puts a
// bucket's all-reduces in one ncclGroupStart/ncclGroupEnd (one fused launch); its Pending needs no host wait
// (everything after it on the stream sees the sums). barrier() is a 1-element all-reduce plus a stream
// synchronisation. Strided views are reduced through a contiguous device copy. The bindings (NcclLibrary) were
// checked against nccl.h.in; this class has not run on GPUs here (no GPU, no libnccl on the build machine):
// benchmarks/gpu/device-check runs it on a lent machine with two GPUs or more.
package ai.lethe.distributed;

import ai.lethe.backend.Backends;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.CudaContext;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.LetheException;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

public final class NcclCommunicator implements Communicator {
    /** How long set-up waits for the other ranks (the TCP rendezvous). */
    static final Duration RENDEZVOUS_TIMEOUT = Duration.ofMinutes(5);

    private final NcclLibrary lib;
    private final CudaContext context;
    private final Device device;
    private final MemorySegment comm;
    private final int rank, size;
    private boolean closed;

    private NcclCommunicator(NcclLibrary lib, CudaContext context, Device device, MemorySegment comm, int rank, int size) {
        this.lib = lib;
        this.context = context;
        this.device = device;
        this.comm = comm;
        this.rank = rank;
        this.size = size;
    }

    /** Null when libnccl.so.2 loads, else why not (what `lethe info` prints). */
    public static String unavailableReason() { return NcclLibrary.unavailableReason(); }

    /** NCCL's version ("2.27.3"); a LetheException when NCCL is missing. */
    public static String libraryVersion() { return NcclLibrary.get().version(); }

    /** Joins the NCCL group the environment describes, on {@code device} (a cuda device; see class comment). */
    public static NcclCommunicator connect(DistributedEnvironment env, Device device) {
        NcclLibrary lib = NcclLibrary.get();
        CudaContext context = cudaContext(device);
        byte[] id = new byte[NcclLibrary.UNIQUE_ID_BYTES];
        if (env.rank() == 0) id = uniqueId(lib);
        id = exchange(env, id);
        try (Arena arena = Arena.ofConfined()) {
            context.synchronize();            // the backend's context is current on this thread: NCCL uses its device
            MemorySegment uid = arena.allocate(NcclLibrary.UNIQUE_ID);
            MemorySegment.copy(id, 0, uid, ValueLayout.JAVA_BYTE, 0, id.length);
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            lib.check((int) lib.commInitRank.invokeExact(out, env.size(), uid, env.rank()), "ncclCommInitRank");
            return new NcclCommunicator(lib, context, device, out.get(ValueLayout.ADDRESS, 0), env.rank(), env.size());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new LetheException("ncclCommInitRank failed: " + t, t);
        }
    }

    private static byte[] uniqueId(NcclLibrary lib) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment uid = arena.allocate(NcclLibrary.UNIQUE_ID);
            lib.check((int) lib.getUniqueId.invokeExact(uid), "ncclGetUniqueId");
            return uid.toArray(ValueLayout.JAVA_BYTE);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new LetheException("ncclGetUniqueId failed: " + t, t);
        }
    }

    /** Rank 0's id to every rank: over MPI when an MPI launcher started the ranks, else over the TCP rendezvous. */
    static byte[] exchange(DistributedEnvironment env, byte[] id) {
        if (env.master() == null && env.mpiLaunched() && MpiCommunicator.unavailableReason() == null) {
            byte[] copy = id.clone();
            MpiCommunicator.world().broadcastBytes(copy, 0);
            return copy;
        }
        if (env.master() == null)
            throw new IllegalArgumentException("NCCL set-up: rank " + env.rank() + " of " + env.size() + " (" + env.launcher().description()
                    + ") has no master to get NCCL's unique id from: give --master host:port to `lethe launch`, or set "
                    + "LETHE_MASTER=host:port (or MASTER_ADDR and MASTER_PORT) for every rank, host being rank 0's machine");
        TcpRendezvous.Master master = TcpRendezvous.Master.parse(env.master());
        return env.rank() == 0 ? TcpRendezvous.serve(master, env.size(), id, RENDEZVOUS_TIMEOUT)
                : TcpRendezvous.join(master, env.rank(), env.size(), RENDEZVOUS_TIMEOUT);
    }

    private static CudaContext cudaContext(Device device) {
        if (!device.type().equals("cuda"))
            throw new IllegalArgumentException("NCCL runs on cuda devices; " + device + " takes the MPI communicator");
        if (!(Backends.implementation(Backends.of(device)) instanceof CudaBackend cuda))
            throw new IllegalStateException("the backend of " + device + " is not the CUDA backend");
        return cuda.context();
    }

    @Override public int rank() { return rank; }
    @Override public int size() { return size; }
    @Override public String name() { return "nccl"; }

    @Override public synchronized void allReduceSum(Tensor t) {
        open("allReduceSum");
        allReduce(List.of(t), false, "allReduceSum");
    }

    @Override public synchronized Pending allReduceSumAsync(List<Tensor> tensors) {
        Objects.requireNonNull(tensors, "tensors");
        open("allReduceSumAsync");
        allReduce(tensors, true, "allReduceSumAsync");
        // queued on the backend's stream: work queued after this (by the backend, on the same stream) sees the sums
        return Pending.DONE;
    }

    /**
     * Queues ncclAllReduce of every tensor on the backend's stream (in one group when {@code grouped}). A strided
     * view is reduced in a contiguous device copy, copied back after the group ends (a grouped call is only
     * launched by ncclGroupEnd, so the copy-back must be queued after it).
     */
    private void allReduce(List<Tensor> tensors, boolean grouped, String op) {
        for (Tensor t : tensors) {
            HostBuffer.checkFloat(t, op);
            checkDevice(t, op);
        }
        List<Tensor> targets = new java.util.ArrayList<>(tensors.size());
        try {
            for (Tensor t : tensors) targets.add(t.isContiguous() ? t : t.contiguousCopy());
            if (grouped) call(lib.groupStart, "ncclGroupStart");
            try {
                for (Tensor c : targets) {
                    if (c.numel() == 0) continue;
                    MemorySegment p = MemorySegment.ofAddress(context.elementPointer(op, c.kernelView()));
                    int rc;
                    try {
                        rc = (int) lib.allReduce.invokeExact(p, p, c.numel(), ncclType(c.dtype()), NcclLibrary.NCCL_SUM, comm,
                                stream());
                    } catch (Throwable e) {
                        throw new LetheException("ncclAllReduce failed: " + e, e);
                    }
                    lib.check(rc, "ncclAllReduce");
                }
            } finally {
                if (grouped) call(lib.groupEnd, "ncclGroupEnd");
            }
            for (int i = 0; i < tensors.size(); i++) {
                if (targets.get(i) != tensors.get(i)) context.copy(targets.get(i).kernelView(), tensors.get(i).kernelView());
                tensors.get(i).markModified();
            }
        } finally {
            // the caching allocator is stream-ordered: a copy freed now is reused only by work queued after these
            for (int i = 0; i < targets.size(); i++) if (targets.get(i) != tensors.get(i)) targets.get(i).close();
        }
    }

    @Override public synchronized void broadcast(Tensor t, int root) {
        DType dtype = HostBuffer.checkFloat(t, "broadcast");
        open("broadcast");
        checkDevice(t, "broadcast");
        if (root < 0 || root >= size)
            throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of this group (0.." + (size - 1) + ")");
        if (t.numel() == 0) return;
        try (Tensor c = t.isContiguous() ? null : t.contiguousCopy()) {
            Tensor target = c == null ? t : c;
            MemorySegment p = MemorySegment.ofAddress(context.elementPointer("broadcast", target.kernelView()));
            int rc;
            try {
                rc = (int) lib.broadcast.invokeExact(p, p, target.numel(), ncclType(dtype), root, comm, stream());
            } catch (Throwable e) {
                throw new LetheException("ncclBroadcast failed: " + e, e);
            }
            lib.check(rc, "ncclBroadcast");
            if (c != null) context.copy(c.kernelView(), t.kernelView());
        }
        t.markModified();
    }

    @Override public synchronized void barrier() {
        open("barrier");
        try (Tensor one = Tensor.zeros(Shape.of(1), DType.FLOAT32, device)) {
            allReduce(List.of(one), false, "barrier");
        }
        context.synchronize();
    }

    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        context.synchronize();
        int rc;
        try {
            rc = (int) lib.commDestroy.invokeExact(comm);
        } catch (Throwable e) {
            throw new LetheException("ncclCommDestroy failed: " + e, e);
        }
        lib.check(rc, "ncclCommDestroy");
    }

    @Override public String toString() { return "NcclCommunicator[rank " + rank + " of " + size + " on " + device + "]"; }

    private void open(String op) {
        if (closed) throw new IllegalStateException(op + ": the NCCL communicator is closed (ncclCommDestroy was called)");
    }

    private void checkDevice(Tensor t, String op) {
        if (!t.device().equals(device))
            throw new IllegalArgumentException(op + ": the tensor is on " + t.device() + ", this NCCL communicator on " + device);
    }

    private MemorySegment stream() { return MemorySegment.ofAddress(context.stream().handle()); }

    private void call(java.lang.invoke.MethodHandle h, String name) {
        int rc;
        try {
            rc = (int) h.invokeExact();
        } catch (Throwable e) {
            throw new LetheException(name + " failed: " + e, e);
        }
        lib.check(rc, name);
    }

    static int ncclType(DType d) {
        return switch (d) {
            case FLOAT32 -> NcclLibrary.NCCL_FLOAT32;
            case FLOAT64 -> NcclLibrary.NCCL_FLOAT64;
            case INT64 -> throw new IllegalArgumentException("NCCL: int64 tensors are not reduced");
        };
    }
}
