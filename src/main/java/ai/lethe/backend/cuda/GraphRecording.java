// What a graph capture recorded in the emulator (EmulatedRuntime.beginCapture .. endCapture): the kernel launches,
// memsets, device-to-device copies and GEMMs (with or without a bias epilogue) queued on the capturing stream, in order, with their arguments, none of
// them run. Replaying it (an instantiated graph's launch) issues them again, in order, on one stream: the same work the
// eager calls would have done.
//
// An update (cuGraphExecUpdate's rule, DeviceRuntime.update) may change every argument — pointers, scalars, sizes of
// copies and memsets — but not the topology: the same number of operations, each of the same kind, launches of the
// same kernel with the same grid, block and shared memory, GEMMs of the same shape (cuBLAS picks its kernels by shape).
package ai.lethe.backend.cuda;

import ai.lethe.backend.Precision;
import java.util.ArrayList;
import java.util.List;

/** The operations of one captured graph, in stream order. */
public final class GraphRecording {
    /** One captured operation. */
    public sealed interface Op {
        /** Whether {@code o} could replace this operation in an instantiated graph (same node kind and shape). */
        boolean sameNode(Op o);

        /** Issues the operation on the stream of {@code rt}. */
        void issue(DeviceRuntime rt, Stream s);
    }

    public record Launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args) implements Op {
        @Override public boolean sameNode(Op o) {
            return o instanceof Launch l && l.kernel.equals(kernel) && l.grid.equals(grid) && l.block.equals(block)
                    && l.sharedBytes == sharedBytes;
        }

        @Override public void issue(DeviceRuntime rt, Stream s) { rt.launch(kernel, grid, block, sharedBytes, s, args); }
    }

    public record Memset(long dst, int value, long count, int wordBytes) implements Op {
        @Override public boolean sameNode(Op o) { return o instanceof Memset m && m.wordBytes == wordBytes; }

        @Override public void issue(DeviceRuntime rt, Stream s) {
            if (wordBytes == 1) rt.memset8(dst, value, count, s);
            else rt.memset32(dst, value, count, s);
        }
    }

    public record CopyDeviceToDevice(long dst, long src, long bytes) implements Op {
        @Override public boolean sameNode(Op o) { return o instanceof CopyDeviceToDevice; }

        @Override public void issue(DeviceRuntime rt, Stream s) { rt.copyDeviceToDevice(dst, src, bytes, s); }
    }

    /** sgemm (batch 1, strides 0) or sgemmStridedBatched. */
    public record Gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long strideA,
                       long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch,
                       boolean strided, Precision precision) implements Op {
        @Override public boolean sameNode(Op o) {
            return o instanceof Gemm g && g.transA == transA && g.transB == transB && g.m == m && g.n == n && g.k == k
                    && g.batch == batch && g.strided == strided && g.precision == precision;
        }

        @Override public void issue(DeviceRuntime rt, Stream s) {
            if (strided) rt.sgemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c,
                    ldc, strideC, batch, s, precision);
            else rt.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, s, precision);
        }
    }

    /** sgemmBias: a GEMM with the bias in its epilogue. */
    public record GemmBias(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b, int ldb, long bias,
                           long c, int ldc, Precision precision) implements Op {
        @Override public boolean sameNode(Op o) {
            return o instanceof GemmBias g && g.transA == transA && g.transB == transB && g.m == m && g.n == n && g.k == k
                    && g.precision == precision;
        }

        @Override public void issue(DeviceRuntime rt, Stream s) {
            rt.sgemmBias(transA, transB, m, n, k, a, lda, b, ldb, bias, c, ldc, s, precision, bytes -> {
                throw new IllegalStateException("a replayed sgemmBias cannot allocate a workspace (" + bytes + " bytes)");
            });
        }
    }

    private final List<Op> ops = new ArrayList<>();

    void add(Op op) { ops.add(op); }

    /** The operations in stream order (a copy). */
    public List<Op> ops() { return List.copyOf(ops); }

    public int size() { return ops.size(); }

    /** Kernel launches among the operations. */
    public long launches() { return ops.stream().filter(o -> o instanceof Launch).count(); }

    /** Whether {@code other} has this recording's topology (an update from it is possible). */
    public boolean sameTopology(GraphRecording other) {
        if (other.ops.size() != ops.size()) return false;
        for (int i = 0; i < ops.size(); i++) if (!ops.get(i).sameNode(other.ops.get(i))) return false;
        return true;
    }

    /** The first operation where {@code other}'s topology differs, for messages ("" when none does). */
    public String firstDifference(GraphRecording other) {
        int n = Math.min(ops.size(), other.ops.size());
        for (int i = 0; i < n; i++)
            if (!ops.get(i).sameNode(other.ops.get(i))) return "operation " + i + ": " + ops.get(i) + " vs " + other.ops.get(i);
        return n == ops.size() && n == other.ops.size() ? "" : ops.size() + " vs " + other.ops.size() + " operations";
    }

    /** Replaces every operation's arguments with those of {@code other} (same topology, checked by the caller). */
    void updateFrom(GraphRecording other) {
        ops.clear();
        ops.addAll(other.ops);
    }

    /** Issues every operation, in order, on {@code s}. */
    void replay(DeviceRuntime rt, Stream s) {
        for (Op op : ops) op.issue(rt, s);
    }
}
