// How the host backends (ref, cpu) honour Precision: the float32 operands of a conv/GEMM op are rounded to the
// thread's precision into host copies before the backend's own float32 kernel runs on them, so the kernel computes
// the exact-product, float32-or-better-accumulation result of the rounded problem (ref accumulates in double: the
// oracle of the tolerance tests). Under FP32, or for float64 operands (ref's gradient checks), the views are used as
// they are and nothing is allocated.
//
// A rounded copy keeps the operand's strides: it covers the span of storage elements the view reaches (from its
// lowest to its highest element, gaps included) and the view is re-based onto it, so a broadcast operand (stride 0,
// a weight shared by every matrix of a batch) is rounded once and never materialised per batch entry.
package ai.lethe.backend;

import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** The rounded operands of one host op (try-with-resources: the copies are freed at close). */
public final class HostRounding implements AutoCloseable {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final HostMemory memory;
    private final Precision precision;
    private final List<Storage> copies = new ArrayList<>(2);

    private HostRounding(HostMemory memory, Precision precision) {
        this.memory = memory;
        this.precision = precision;
    }

    /** Rounding to the calling thread's precision ({@link Precision#current()}), copies from {@code memory}. */
    public static HostRounding open(HostMemory memory) { return new HostRounding(memory, Precision.current()); }

    /** Rounding to the given precision. */
    public static HostRounding open(HostMemory memory, Precision precision) { return new HostRounding(memory, precision); }

    public Precision precision() { return precision; }

    /** v itself (FP32, not float32, or empty; null stays null), else a rounded copy with v's shape and strides. */
    public View apply(View v) {
        if (v == null || precision == Precision.FP32 || v.dtype() != DType.FLOAT32 || v.numel() == 0) return v;
        if (!(v.storage() instanceof HostStorage h))
            throw new IllegalArgumentException("precision " + precision.cliName() + ": a host backend got a view on "
                    + v.storage().device());
        long low = v.offset(), high = v.offset();
        for (int d = 0; d < v.rank(); d++) {
            long reach = (v.dim(d) - 1) * v.stride(d);
            if (reach < 0) low += reach;
            else high += reach;
        }
        long span = high - low + 1;
        HostStorage copy = memory.allocate(span * Float.BYTES);
        copies.add(copy);
        MemorySegment src = h.segment(), dst = copy.segment();
        long base = low * Float.BYTES;
        for (long i = 0; i < span; i++) dst.setAtIndex(F, i, precision.round(src.get(F, base + i * Float.BYTES)));
        return new View(copy, DType.FLOAT32, v.offset() - low, v.shape(), v.strides());
    }

    @Override public void close() {
        for (Storage s : copies) s.release();
        copies.clear();
    }
}
