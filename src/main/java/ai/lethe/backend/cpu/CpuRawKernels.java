// The cpu backend's unlearning, pruning and masked-optimizer kernels on raw memory: the bridge under
// ai.lethe.kernels.CpuKernels (the documented API for other frameworks), obtained from CpuBackend.rawKernels().
// This class guards memory safety only: every segment must be a live native segment holding at least the bytes
// the call reads or writes, aligned for its element type, and writable when the call writes it (a read-only
// segment, e.g. a read-only file mapping, would fault in native code), so a wrong size is an IllegalArgumentException and
// never a read or write past a segment: sizes are checked to be >= 0, their products to fit a long, and BLAS sizes
// to fit an int. Argument semantics (hyper-parameters) are the caller's.
package ai.lethe.backend.cpu;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.ViewChecks;
import java.lang.foreign.MemorySegment;

public final class CpuRawKernels {
    private final NativeCpu lib;

    CpuRawKernels(NativeCpu lib) { this.lib = lib; }

    /**
     * Checks that {@code segment} (named {@code name} in messages) is a native segment of at least
     * {@code elements} elements of {@code elementBytes} bytes, aligned to them. Null is allowed only when
     * {@code optional}.
     */
    static void requireSegment(String op, String name, MemorySegment segment, long elements, int elementBytes,
                               boolean optional) {
        requireSegment(op, name, segment, elements, elementBytes, optional, false);
    }

    /** As above; {@code written}: the kernel writes the segment, so a read-only one is refused. */
    static void requireSegment(String op, String name, MemorySegment segment, long elements, int elementBytes,
                               boolean optional, boolean written) {
        if (segment == null) {
            if (optional) return;
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (!segment.isNative())
            throw new IllegalArgumentException(op + ": " + name + " must be a native segment (from an Arena), got a heap segment");
        if (!segment.scope().isAlive())
            throw new IllegalStateException(op + ": " + name + " is a segment whose arena was already closed");
        if (elements < 0) throw new IllegalArgumentException(op + ": negative size " + elements + " for " + name);
        long need;
        try {
            need = Math.multiplyExact(elements, (long) elementBytes);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(op + ": " + name + " of " + elements + " elements overflows a 64-bit size");
        }
        if (segment.byteSize() < need)
            throw new IllegalArgumentException(op + ": " + name + " has " + segment.byteSize() + " bytes, needs " + need
                    + " (" + elements + " elements of " + elementBytes + " bytes)");
        if (written && segment.isReadOnly())
            throw new IllegalArgumentException(op + ": " + name + " is written by the kernel but is a read-only segment");
        if (segment.address() % elementBytes != 0)
            throw new IllegalArgumentException(op + ": " + name + " at address 0x" + Long.toHexString(segment.address())
                    + " is not aligned to " + elementBytes + " bytes");
    }

    private static void floats(String op, String name, MemorySegment s, long n) { requireSegment(op, name, s, n, 4, false); }

    /** A float32 [n] segment the kernel writes. */
    private static void written(String op, String name, MemorySegment s, long n) {
        requireSegment(op, name, s, n, 4, false, true);
    }

    private static <T> T required(String op, String name, T value) {
        if (value == null) throw new IllegalArgumentException(op + ": " + name + " is null");
        return value;
    }

    /**
     * The element count of an array of {@code shape} (named {@code what}): every size >= 0 and the product within
     * a long, else an IllegalArgumentException naming the op.
     */
    static long elements(String op, String what, long... shape) {
        for (long d : shape)
            if (d < 0) throw new IllegalArgumentException(op + ": " + what + " has a negative size " + d);
        return ViewChecks.product(op, what, shape);
    }

    private static MemorySegment orNull(MemorySegment s) { return s == null ? MemorySegment.NULL : s; }

    /** theta, importanceD, importanceF: float32 [n]. */
    public void ssdDampen(MemorySegment theta, MemorySegment importanceD, MemorySegment importanceF, long n, double alpha,
                          double lambda) {
        String op = "ssdDampen";
        written(op, "theta", theta, n);
        floats(op, "importanceD", importanceD, n);
        floats(op, "importanceF", importanceF, n);
        if (n > 0) lib.ssdDampen(n, theta, importanceD, importanceF, alpha, lambda);
    }

    /** x, acc: float32 [n]. */
    public void addSquared(MemorySegment x, MemorySegment acc, long n, double scale) {
        String op = "addSquared";
        floats(op, "x", x, n);
        written(op, "acc", acc, n);
        if (n == 0) return;
        lib.addSquared(NativeCpu.longs(NativeCpu.LAYOUT_A, 1, n, 1, 1), x, acc, scale);
    }

    /** a [batch, m, t], b [batch, t, n], acc [m, n]: float32, contiguous. */
    public void perSampleSquaredGemm(MemorySegment a, MemorySegment b, MemorySegment acc, long batch, long m, long t,
                                     long n, double scale) {
        String op = "perSampleSquaredGemm";
        floats(op, "a", a, elements(op, "a [batch, m, t]", batch, m, t));
        floats(op, "b", b, elements(op, "b [batch, t, n]", batch, t, n));
        written(op, "acc", acc, elements(op, "acc [m, n]", m, n));
        if (batch == 0 || m == 0 || n == 0 || t == 0) return;
        CpuLinalg.requireBlasSizes(op, m, n, t);
        lib.perSampleSquaredGemm(NativeCpu.longs(NativeCpu.LAYOUT_A, batch, m, n, t, 0, t, m * t, 0, n, t * n), a, b, acc,
                scale);
    }

    /** dy [N, K, OH, OW], x [N, C, H, W], acc [K, C, kh, kw]: float32, contiguous. */
    public void perSampleSquaredConvWeight(MemorySegment dy, MemorySegment x, MemorySegment acc, Conv2dGeometry g,
                                           double scale) {
        String op = "perSampleSquaredConvWeight";
        required(op, "geometry", g);
        floats(op, "dy", dy, elements(op, "dy [N, K, OH, OW]", g.outputShape()));
        floats(op, "x", x, elements(op, "x [N, C, H, W]", g.inputShape()));
        written(op, "acc", acc, elements(op, "acc [K, C, kh, kw]", g.weightShape()));
        if (g.n() == 0) return;
        lib.perSampleSquaredConvWeight(CpuLinalg.geometry(op, g), dy, x, acc, scale);
    }

    /** theta, std: float32 [n]. */
    public void addGaussianNoise(MemorySegment theta, MemorySegment std, long n, long seed, long counter) {
        String op = "addGaussianNoise";
        written(op, "theta", theta, n);
        floats(op, "std", std, n);
        if (n > 0) lib.addGaussianNoise(theta, std, n, seed, counter);
    }

    /** scores: float32 [n]; counts: int64 [2^bits], accumulated into. */
    public void scoreHistogram(MemorySegment scores, long n, int shift, int bits, int matchShift, int matchValue,
                               MemorySegment counts) {
        String op = "scoreHistogram";
        ScoreKeys.checkHistogram(op, shift, bits, matchShift, new long[bits >= 1 && bits <= 16 ? 1 << bits : 0]);
        floats(op, "scores", scores, n);
        requireSegment(op, "counts", counts, 1L << bits, 8, false, true);
        if (n == 0) return;
        if (lib.scoreHistogram(n, scores, shift, bits, matchShift, matchValue, counts) == NativeCpu.ERR_VALUE)
            throw ScoreKeys.badScore(op, NativeCpu.info(0), Float.intBitsToFloat((int) NativeCpu.info(1)));
    }

    /** scores, mask: float32 [n]. Returns the ties kept. */
    public long maskFromScores(MemorySegment scores, MemorySegment mask, long n, float threshold, long tiesToKeep) {
        String op = "maskFromScores";
        ScoreKeys.checkTies(op, tiesToKeep);
        floats(op, "scores", scores, n);
        written(op, "mask", mask, n);
        return n == 0 ? 0 : lib.maskFromScores(n, scores, mask, threshold, tiesToKeep);
    }

    /** param, grad, momentumBuffer (null without momentum), mask (null: none): float32 [n]. */
    public void sgdStep(MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer, MemorySegment mask, long n,
                        SgdParams p) {
        String op = "sgdStep";
        required(op, "params", p);
        written(op, "param", param, n);
        floats(op, "grad", grad, n);
        requireSegment(op, "momentumBuffer", momentumBuffer, n, 4, p.momentum() == 0, true);
        requireSegment(op, "mask", mask, n, 4, true);
        if (n == 0) return;
        lib.sgdStep(n, param, grad, orNull(momentumBuffer), orNull(mask), p.lr(), p.momentum(), p.dampening(),
                p.weightDecay(), p.l1(), p.nesterov(), p.maximize(), p.firstStep());
    }

    /** param, grad, expAvg, expAvgSq, mask (null: none): float32 [n]. */
    public void adamStep(MemorySegment param, MemorySegment grad, MemorySegment expAvg, MemorySegment expAvgSq,
                         MemorySegment mask, long n, AdamParams p) {
        String op = "adamStep";
        required(op, "params", p);
        written(op, "param", param, n);
        floats(op, "grad", grad, n);
        written(op, "expAvg", expAvg, n);
        written(op, "expAvgSq", expAvgSq, n);
        requireSegment(op, "mask", mask, n, 4, true);
        if (n == 0) return;
        lib.adamStep(n, param, grad, expAvg, expAvgSq, orNull(mask), p.lr(), p.beta1(), p.beta2(), p.eps(),
                p.weightDecay(), p.decoupledWeightDecay(), p.maximize(), p.step());
    }
}
