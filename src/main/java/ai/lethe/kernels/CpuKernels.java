// The unlearning kernels for other frameworks: Lethe's native CPU kernels (liblethe_cpu: C, OpenMP, OpenBLAS)
// called on raw memory, with no Lethe tensors involved. Anything that can hand over a MemorySegment — an Arena
// of your own, a direct ByteBuffer (MemorySegment.ofBuffer), memory from another library — can use them.
//
// Conventions of every method:
//  - Arrays are float32 (int64 for histogram counts), contiguous, row-major, native byte order, in native
//    segments (Arena.allocate, MemorySegment.ofBuffer of a direct buffer, reinterpreted native pointers); heap
//    segments are refused. Each array's layout and element count are given per method; a segment may be larger
//    than needed (only its first elements are used) but never smaller.
//  - Everything is validated before any native code runs: a segment that is null, on the heap, too small or
//    misaligned, a negative size or a bad hyper-parameter is an IllegalArgumentException naming the argument,
//    what it holds and what it needs; a segment whose arena was closed is an IllegalStateException. Bad input
//    never crashes the JVM.
//  - Calls are synchronous and thread-safe (different outputs may be computed from several threads); each call
//    spreads its work over OpenMP's threads (OMP_NUM_THREADS). Results are deterministic: the same inputs give
//    the same bits run after run.
//  - Arithmetic: float32 storage, each element computed in double and rounded once where the op is elementwise;
//    GEMMs by OpenBLAS sgemm.
// Needs the cpu backend (linux x86-64 with AVX2/FMA, OpenBLAS): isAvailable() says whether it can run here and
// unavailableReason() why not; every other method throws IllegalStateException with that reason.
package ai.lethe.kernels;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.cpu.CpuBackend;
import ai.lethe.backend.cpu.CpuRawKernels;
import java.lang.foreign.MemorySegment;

public final class CpuKernels {
    private CpuKernels() {}

    /** Whether the native kernels can run on this machine. */
    public static boolean isAvailable() { return cpuBackend().availability().available(); }

    /** Why the native kernels cannot run here, or "" when they can. */
    public static String unavailableReason() {
        var a = cpuBackend().availability();
        return a.available() ? "" : a.reason();
    }

    private static CpuBackend cpuBackend() {
        for (Backend b : Backends.all()) if (Backends.implementation(b) instanceof CpuBackend cpu) return cpu;
        return new CpuBackend();
    }

    private static CpuRawKernels raw() {
        CpuBackend cpu = cpuBackend();
        var a = cpu.availability();
        if (!a.available()) throw new IllegalStateException("the native cpu kernels are not available: " + a.reason());
        return cpu.rawKernels();
    }

    private static long count(String op, String name, long n) {
        if (n < 0) throw new IllegalArgumentException(op + ": " + name + " must be >= 0, got " + n);
        return n;
    }

    private static long product(String op, String what, long... sizes) {
        long p = 1;
        for (long s : sizes) {
            try {
                p = Math.multiplyExact(p, s);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(op + ": " + what + " has more elements than a 64-bit count holds");
            }
        }
        return p;
    }

    /**
     * SSD selection + dampening in place: theta[i] *= (iF[i] > α·iD[i]) ? min(λ·iD[i]/iF[i], 1) : 1.
     *
     * @param theta       float32 [n], updated
     * @param importanceD float32 [n]: I_D
     * @param importanceF float32 [n]: I_f
     * @param alpha       finite, > 0
     * @param lambda      finite, >= 0
     */
    public static void ssdDampen(MemorySegment theta, MemorySegment importanceD, MemorySegment importanceF, long n,
                                 double alpha, double lambda) {
        String op = "CpuKernels.ssdDampen";
        count(op, "n", n);
        Args.positive(op, "alpha", alpha);
        Args.nonNegative(op, "lambda", lambda);
        raw().ssdDampen(theta, importanceD, importanceF, n, alpha, lambda);
    }

    /**
     * acc[i] += scale · x[i]².
     *
     * @param x   float32 [n]
     * @param acc float32 [n], updated; must not overlap x
     */
    public static void addSquared(MemorySegment x, MemorySegment acc, long n, double scale) {
        String op = "CpuKernels.addSquared";
        count(op, "n", n);
        Args.finite(op, "scale", scale);
        raw().addSquared(x, acc, n, scale);
    }

    /**
     * acc [m, n] += scale · Σ_b (a_b @ b_b)², without forming the batch × m × n products (each is squared and added
     * as it is computed).
     *
     * @param a   float32 [batch, m, t]
     * @param b   float32 [batch, t, n]
     * @param acc float32 [m, n], updated; must not overlap a or b
     */
    public static void perSampleSquaredGemm(MemorySegment a, MemorySegment b, MemorySegment acc, long batch, long m,
                                            long t, long n, double scale) {
        String op = "CpuKernels.perSampleSquaredGemm";
        count(op, "batch", batch);
        count(op, "m", m);
        count(op, "t", t);
        count(op, "n", n);
        product(op, "a [batch, m, t]", batch, m, t);
        product(op, "b [batch, t, n]", batch, t, n);
        if (m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || t > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": m, t and n must each be below 2^31, got " + m + ", " + t + ", " + n);
        Args.finite(op, "scale", scale);
        raw().perSampleSquaredGemm(a, b, acc, batch, m, t, n, scale);
    }

    /**
     * acc [K, C, kh, kw] += scale · Σ_n (dW_n)², dW_n the conv2d weight gradient of sample n alone.
     *
     * @param dy  float32 [N, K, OH, OW] (OH, OW = g.outH(), g.outW())
     * @param x   float32 [N, C, H, W]
     * @param acc float32 [K, C, kh, kw], updated
     * @param g   the convolution's sizes, strides, paddings and dilations (validated by its constructor)
     */
    public static void perSampleSquaredConvWeight(MemorySegment dy, MemorySegment x, MemorySegment acc,
                                                  Conv2dGeometry g, double scale) {
        String op = "CpuKernels.perSampleSquaredConvWeight";
        if (g == null) throw new IllegalArgumentException(op + ": geometry is null");
        product(op, "x [N, C, H, W]", g.n(), g.c(), g.h(), g.w());
        product(op, "dy [N, K, OH, OW]", g.n(), g.k(), g.outH(), g.outW());
        product(op, "the column matrix", g.c(), g.kh(), g.kw(), g.outH(), g.outW());
        Args.finite(op, "scale", scale);
        raw().perSampleSquaredConvWeight(dy, x, acc, g, scale);
    }

    /**
     * theta[i] += std[i] · z_i, z the standard normal stream of (seed, counter) that Lethe's random tensors use
     * (Philox4x32-10, Box-Muller; see ai.lethe.backend.Philox): element i uses block counter + i/2. A draw of n
     * normals consumes (n + 1)/2 blocks, so the next independent draw starts at counter + (n + 1)/2.
     *
     * @param theta float32 [n], updated
     * @param std   float32 [n]
     */
    public static void addGaussianNoise(MemorySegment theta, MemorySegment std, long n, long seed, long counter) {
        String op = "CpuKernels.addGaussianNoise";
        count(op, "n", n);
        count(op, "counter", counter);
        raw().addGaussianNoise(theta, std, n, seed, counter);
    }

    /**
     * One radix-select pass over non-negative float scores: for every score whose key (its float bits, −0 as +0)
     * satisfies key >>> matchShift == matchValue (matchShift 32: every score), counts[(key >>> shift) & (2^bits − 1)]
     * += 1. A negative or NaN score is an IllegalArgumentException giving its index.
     *
     * @param scores float32 [n]
     * @param counts int64 [2^bits], accumulated into (zero it for a fresh histogram)
     * @param shift  in [0, 32 − bits]; @param bits in [1, 16]; @param matchShift in [0, 32]
     */
    public static void scoreHistogram(MemorySegment scores, long n, int shift, int bits, int matchShift, int matchValue,
                                      MemorySegment counts) {
        String op = "CpuKernels.scoreHistogram";
        count(op, "n", n);
        raw().scoreHistogram(scores, n, shift, bits, matchShift, matchValue, counts);
    }

    /**
     * mask[i] = 1 where scores[i] > threshold, and where scores[i] == threshold for the first tiesToKeep such i;
     * 0 elsewhere. Returns the number of ties kept.
     *
     * @param scores float32 [n]
     * @param mask   float32 [n], written
     */
    public static long maskFromScores(MemorySegment scores, MemorySegment mask, long n, float threshold, long tiesToKeep) {
        String op = "CpuKernels.maskFromScores";
        count(op, "n", n);
        count(op, "tiesToKeep", tiesToKeep);
        return raw().maskFromScores(scores, mask, n, threshold, tiesToKeep);
    }

    /**
     * One fused SGD step (torch.optim.SGD's semantics plus l1, see SgdParams) in place, masked: where mask[i] == 0,
     * param[i] and momentumBuffer[i] become 0 and nothing else happens.
     *
     * @param param          float32 [n], updated
     * @param grad           float32 [n]
     * @param momentumBuffer float32 [n], updated; may be null when p.momentum() is 0
     * @param mask           float32 [n] or null (no mask)
     */
    public static void sgdStep(MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer, MemorySegment mask,
                               long n, SgdParams p) {
        String op = "CpuKernels.sgdStep";
        count(op, "n", n);
        if (p == null) throw new IllegalArgumentException(op + ": params is null");
        Args.nonNegative(op, "lr", p.lr());
        Args.nonNegative(op, "momentum", p.momentum());
        Args.nonNegative(op, "weightDecay", p.weightDecay());
        Args.nonNegative(op, "l1", p.l1());
        Args.finite(op, "dampening", p.dampening());
        raw().sgdStep(param, grad, momentumBuffer, mask, n, p);
    }

    /**
     * One fused Adam/AdamW step (see AdamParams; p.step() counts from 1) in place, masked: where mask[i] == 0,
     * param[i], expAvg[i] and expAvgSq[i] become 0.
     *
     * @param param    float32 [n], updated
     * @param grad     float32 [n]
     * @param expAvg   float32 [n], updated
     * @param expAvgSq float32 [n], updated
     * @param mask     float32 [n] or null (no mask)
     */
    public static void adamStep(MemorySegment param, MemorySegment grad, MemorySegment expAvg, MemorySegment expAvgSq,
                                MemorySegment mask, long n, AdamParams p) {
        String op = "CpuKernels.adamStep";
        count(op, "n", n);
        if (p == null) throw new IllegalArgumentException(op + ": params is null");
        Args.nonNegative(op, "lr", p.lr());
        Args.positive(op, "eps", p.eps());
        if (p.step() < 1) throw new IllegalArgumentException(op + ": step counts from 1, got " + p.step());
        raw().adamStep(param, grad, expAvg, expAvgSq, mask, n, p);
    }
}
