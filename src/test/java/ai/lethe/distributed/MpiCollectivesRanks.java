// The rank program of MpiCommunicatorTest: run by MpiRun under `mpirun -np N`, it joins MPI_COMM_WORLD and checks
// every collective against values it computes itself (closed-form sums over the ranks, exact in float32/float64):
// all-reduce of float32 and float64 tensors, of a strided view, of an empty tensor and of tensors split into
// several MPI calls; the async bucket all-reduce; broadcast from each root, also into a parameter that requires
// grad; a call from another thread; barrier (every rank's marker file exists after it); and an MPI error code
// becoming a LetheException that names the call. Argument 1: the device ("cpu" or "cuda-emu"); argument 2: a
// folder shared by the ranks. It prints "rank R of N on DEVICE" and, when every check passed, "PASS"; a failed
// check throws (exit 1).
package ai.lethe.distributed;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.LetheException;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public final class MpiCollectivesRanks {
    private MpiCollectivesRanks() {}

    public static void main(String[] args) throws Throwable {
        Device device = Device.parse(args[0]);
        Path shared = Path.of(args[1]);
        MpiCommunicator mpi = MpiCommunicator.world();
        int rank = mpi.rank(), size = mpi.size();
        System.out.println("rank " + rank + " of " + size + " on " + device + " (thread level " + mpi.threadLevel() + ")");
        check(mpi.threadLevel() >= MpiLibrary.MPI_THREAD_SERIALIZED, "thread level " + mpi.threadLevel());
        check(MpiCommunicator.world() == mpi, "world() is one object per process");
        double ranksSum = size * (size + 1) / 2.0;        // sum over r of (r + 1)

        // float32 all-reduce: element i of rank r is (r + 1) * (i + 1); the sum is (i + 1) * size(size+1)/2
        try (Tensor t = filled(device, DType.FLOAT32, 1000, i -> (rank + 1) * (i + 1.0))) {
            mpi.allReduceSum(t);
            expect(t, i -> (i + 1.0) * ranksSum, "allReduceSum float32");
        }
        // float64 with fractions exact in binary
        try (Tensor t = filled(device, DType.FLOAT64, 777, i -> (rank + 1) * (i + 0.125))) {
            mpi.allReduceSum(t);
            expect(t, i -> (i + 0.125) * ranksSum, "allReduceSum float64");
        }
        // a strided view (transpose of 3x4): reduced through a staged copy and written back into the base
        try (Tensor base = filled(device, DType.FLOAT32, 12, i -> (rank + 1) * i);
             Tensor m = base.reshape(3, 4); Tensor view = m.transpose(0, 1)) {
            check(!view.isContiguous(), "the view is strided");
            mpi.allReduceSum(view);
            expect(base, i -> i * ranksSum, "allReduceSum of a transposed view");
        }
        // an empty tensor: a no-op, but every rank must take part
        try (Tensor t = Tensor.zeros(Shape.of(0), DType.FLOAT32, device)) {
            mpi.allReduceSum(t);
        }
        // counts split over several calls (the limit lowered from Integer.MAX_VALUE to 7 elements)
        MpiCommunicator.maxCount = 7;
        try (Tensor t = filled(device, DType.FLOAT64, 50, i -> (rank + 1) * (i - 20.5));
             Tensor u = filled(device, DType.FLOAT32, 23, i -> rank == 0 ? i : 0)) {
            mpi.allReduceSum(t);
            expect(t, i -> (i - 20.5) * ranksSum, "allReduceSum split into 7-element calls");
            mpi.broadcast(u, 0);
            expect(u, i -> i, "broadcast split into 7-element calls");
        }
        // async bucket, also split
        try (Tensor a = filled(device, DType.FLOAT32, 30, i -> (rank + 1) * 2.0 * i);
             Tensor b = filled(device, DType.FLOAT64, 5, i -> (rank + 1) * (0.5 + i))) {
            Communicator.Pending p = mpi.allReduceSumAsync(List.of(a, b));
            p.await();
            p.await();   // idempotent
            expect(a, i -> 2.0 * i * ranksSum, "allReduceSumAsync float32 (split)");
            expect(b, i -> (0.5 + i) * ranksSum, "allReduceSumAsync float64 (split)");
        }
        MpiCommunicator.maxCount = Integer.MAX_VALUE;
        try (Tensor a = filled(device, DType.FLOAT32, 4096, i -> rank + i);
             Tensor b = filled(device, DType.FLOAT64, 3, i -> rank * 10.0 + i)) {
            Communicator.Pending p = mpi.allReduceSumAsync(List.of(a, b));
            p.await();
            double rs = size * (size - 1) / 2.0;       // sum over r of r
            expect(a, i -> rs + size * (double) i, "allReduceSumAsync float32");
            expect(b, i -> rs * 10.0 + size * (double) i, "allReduceSumAsync float64");
        }
        // broadcast from every root, float32 and float64; the receivers start with other values
        for (int root = 0; root < size; root++) {
            int rt = root;
            try (Tensor t = filled(device, DType.FLOAT32, 100, i -> rank == rt ? 1000.0 * rt + i : -1);
                 Tensor d = filled(device, DType.FLOAT64, 9, i -> rank == rt ? 0.1 * i + rt : Double.NaN)) {
                mpi.broadcast(t, root);
                mpi.broadcast(d, root);
                expect(t, i -> 1000.0 * rt + i, "broadcast float32 from root " + root);
                expect(d, i -> 0.1 * i + rt, "broadcast float64 from root " + root);
            }
        }
        // broadcast into a parameter (requires grad): as DDP does with the initial weights
        try (Tensor w = filled(device, DType.FLOAT32, 6, i -> rank == 0 ? 3.0 * i : 99)) {
            w.setRequiresGrad(true);
            mpi.broadcast(w, 0);
            expect(w, i -> 3.0 * i, "broadcast into a tensor that requires grad");
        }
        // from another thread than the initialising one (MPI_THREAD_SERIALIZED: any thread, one at a time)
        Throwable[] failed = {null};
        Thread other = new Thread(() -> {
            try (Tensor t = filled(device, DType.FLOAT64, 10, i -> (rank + 1) * i)) {
                mpi.allReduceSum(t);
                expect(t, i -> i * ranksSum, "allReduceSum from another thread");
            } catch (Throwable e) {
                failed[0] = e;
            }
        }, "other-thread");
        other.start();
        other.join();
        if (failed[0] != null) throw new AssertionError("all-reduce from another thread failed", failed[0]);
        // barrier: after it, every rank's marker exists
        Files.writeString(shared.resolve("arrived." + rank), "x");
        mpi.barrier();
        for (int r = 0; r < size; r++)
            check(Files.exists(shared.resolve("arrived." + r)), "after barrier, rank " + r + "'s marker exists");
        mpi.barrier();
        // bad arguments: refused before MPI, and an MPI error code as an exception naming the call
        try (Tensor t = Tensor.zeros(Shape.of(2), DType.FLOAT32, device)) {
            expectThrows(IllegalArgumentException.class, () -> mpi.broadcast(t, size), "root " + size);
        }
        try (Tensor t = Tensor.zeros(Shape.of(2), DType.INT64, device)) {
            expectThrows(IllegalArgumentException.class, () -> mpi.allReduceSum(t), "int64");
        }
        MpiLibrary lib = MpiLibrary.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8);
            int rc = (int) lib.bcast.invokeExact(buf, -1, lib.floatType, 0, lib.commWorld);   // a negative count
            check(rc != MpiLibrary.MPI_SUCCESS, "MPI_Bcast with count -1 returns an error code (MPI_ERRORS_RETURN)");
            expectThrows(LetheException.class, () -> lib.check(rc, "MPI_Bcast"), "MPI_Bcast failed: ");
        }
        System.out.println("library: " + MpiCommunicator.libraryVersion());
        mpi.barrier();
        mpi.close();
        mpi.close();   // idempotent
        expectThrows(IllegalStateException.class, mpi::barrier, "closed");
        expectThrows(IllegalStateException.class, MpiCommunicator::world, "finalized");
        System.out.println("PASS");
    }

    interface Values { double at(long i); }

    static Tensor filled(Device device, DType dtype, int n, Values v) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = v.at(i);
        return Tensor.fromArray(d, dtype, device, n);
    }

    static void expect(Tensor t, Values v, String what) {
        double[] got = t.toDoubleArray();
        for (int i = 0; i < got.length; i++) {
            double want = t.dtype() == DType.FLOAT32 ? (float) v.at(i) : v.at(i);
            if (Double.compare(got[i], want) != 0)
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + want);
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError("check failed: " + what);
    }

    static void expectThrows(Class<? extends Throwable> type, Runnable r, String messagePart) {
        try {
            r.run();
        } catch (Throwable t) {
            if (!type.isInstance(t) || t.getMessage() == null || !t.getMessage().contains(messagePart))
                throw new AssertionError("expected " + type.getSimpleName() + " mentioning '" + messagePart + "', got " + t, t);
            System.out.println("refused as expected: " + t.getMessage());
            return;
        }
        throw new AssertionError("expected " + type.getSimpleName() + " mentioning '" + messagePart + "', nothing thrown");
    }
}
