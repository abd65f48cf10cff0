// The fused cross-entropy of the Backend SPI (crossEntropy, crossEntropyBackward) for the backends whose tensors live
// in host memory (ref and cpu): one pass per row in double precision, each output rounded once to its dtype
// (float32 or float64). The CUDA backend's kernels (cuda-kernels/softmax.cu) are tested against this through the ref
// backend. Views are those CheckedBackend has validated: logits and dlogits contiguous, the per-row vectors 1-D with
// any stride (a stride-0 gradOut broadcasts one upstream gradient).
package ai.lethe.backend;

import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

public final class HostFusedOps {
    private HostFusedOps() {}

    private static MemorySegment seg(String op, View v) {
        if (!(v.storage() instanceof HostStorage h))
            throw new IllegalArgumentException(op + ": needs a view in host memory, got a storage on " + v.storage().device());
        return h.segment();
    }

    private static void requireFloat(String op, String backend, View... views) {
        for (View v : views)
            if (v != null && !v.dtype().isFloatingPoint())
                throw new IllegalArgumentException(op + ": " + v.dtype() + " is not supported on " + backend + ", got " + v);
    }

    /** The storage offset of element i (row-major) of a view of any rank. */
    private static long at(View v, long i) {
        long off = v.offset();
        for (int d = v.rank() - 1; d >= 0 && i > 0; d--) {
            off += (i % v.dim(d)) * v.stride(d);
            i /= v.dim(d);
        }
        return off;
    }

    /** Element i (row-major) of a float view, as double. */
    private static double get(MemorySegment s, View v, long i) {
        long k = at(v, i);
        return v.dtype() == DType.FLOAT64 ? s.getAtIndex(ValueLayout.JAVA_DOUBLE, k) : s.getAtIndex(ValueLayout.JAVA_FLOAT, k);
    }

    private static void set(MemorySegment s, View v, long i, double x) {
        long k = at(v, i);
        if (v.dtype() == DType.FLOAT64) s.setAtIndex(ValueLayout.JAVA_DOUBLE, k, x);
        else s.setAtIndex(ValueLayout.JAVA_FLOAT, k, (float) x);
    }

    private static long target(String op, MemorySegment s, View target, long i, long classes) {
        long t = s.getAtIndex(ValueLayout.JAVA_LONG, at(target, i));
        if (t < 0 || t >= classes)
            throw new IndexOutOfBoundsException(op + ": target " + t + " of row " + i + " is out of range for dimension 1 of size "
                    + classes + " (the classes)");
        return t;
    }

    /** Backend.crossEntropy on host memory; {@code backend} names the backend in messages. */
    public static void crossEntropy(String backend, View logits, View target, View losses, View logSumExp, View total,
                                    double labelSmoothing, double scale) {
        String op = "crossEntropy";
        requireFloat(op, backend, logits, losses, logSumExp, total);
        long n = logits.dim(0), c = logits.dim(1);
        MemorySegment xs = seg(op, logits), ts = seg(op, target), ls = seg(op, logSumExp);
        MemorySegment os = losses == null ? null : seg(op, losses);
        for (long i = 0; i < n; i++) target(op, ts, target, i, c);   // every target checked before anything is written
        double sum = 0;
        for (long i = 0; i < n; i++) {
            long base = logits.offset() + i * c;
            double max = Double.NEGATIVE_INFINITY, rowSum = 0;
            for (long j = 0; j < c; j++) {
                double x = xAt(xs, logits, base + j);
                max = Math.max(max, x);
                rowSum += x;
            }
            double e = 0;
            for (long j = 0; j < c; j++) e += Math.exp(xAt(xs, logits, base + j) - max);
            double lse = max + Math.log(e);
            long t = target(op, ts, target, i, c);
            double loss = lse - (1 - labelSmoothing) * xAt(xs, logits, base + t) - labelSmoothing / c * rowSum;
            set(ls, logSumExp, i, lse);
            if (os != null) set(os, losses, i, loss);
            sum += loss;
        }
        if (total != null) set(seg(op, total), total, 0, scale * sum);
    }

    /** Backend.crossEntropyBackward on host memory. */
    public static void crossEntropyBackward(String backend, View logits, View target, View logSumExp, View gradOut,
                                            View dlogits, double labelSmoothing, double scale) {
        String op = "crossEntropyBackward";
        requireFloat(op, backend, logits, logSumExp, gradOut, dlogits);
        long n = logits.dim(0), c = logits.dim(1);
        MemorySegment xs = seg(op, logits), ts = seg(op, target), ls = seg(op, logSumExp), gs = seg(op, gradOut);
        MemorySegment ds = seg(op, dlogits);
        for (long i = 0; i < n; i++) target(op, ts, target, i, c);
        double uniform = labelSmoothing / c;
        for (long i = 0; i < n; i++) {
            long base = logits.offset() + i * c, dbase = dlogits.offset() + i * c;
            double lse = get(ls, logSumExp, i), g = scale * get(gs, gradOut, i);
            long t = target(op, ts, target, i, c);
            for (long j = 0; j < c; j++) {
                double p = Math.exp(xAt(xs, logits, base + j) - lse);
                double d = g * (p - (j == t ? 1 - labelSmoothing : 0) - uniform);
                if (dlogits.dtype() == DType.FLOAT64) ds.setAtIndex(ValueLayout.JAVA_DOUBLE, dbase + j, d);
                else ds.setAtIndex(ValueLayout.JAVA_FLOAT, dbase + j, (float) d);
            }
        }
    }

    private static double xAt(MemorySegment s, View v, long k) {
        return v.dtype() == DType.FLOAT64 ? s.getAtIndex(ValueLayout.JAVA_DOUBLE, k) : s.getAtIndex(ValueLayout.JAVA_FLOAT, k);
    }
}
