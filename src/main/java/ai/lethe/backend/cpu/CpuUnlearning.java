// The cpu backend's unlearning and pruning kernels on the Java side (native/persample.c, unlearn.c, rng.c):
// dtype and density checks, per-sample operands handed to sgemm as they lie (copied only when their strides
// fit no BLAS layout), strided scores copied dense, and the histogram counts passed through native memory.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.CpuViews.address;
import static ai.lethe.backend.cpu.CpuViews.requireContiguous;
import static ai.lethe.backend.cpu.CpuViews.requireFloat32;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.View;
import ai.lethe.backend.cpu.CpuLinalg.MatrixLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

final class CpuUnlearning {
    private final NativeCpu lib;
    private final CpuMath math;

    CpuUnlearning(NativeCpu lib, CpuMath math) {
        this.lib = lib;
        this.math = math;
    }

    void addSquared(View x, View acc, double scale) {
        String op = "addSquared";
        requireFloat32(op, x, acc);
        requireContiguous(op, acc);
        if (acc.numel() == 0) return;
        StridedWalk.of(x.shape(), x.strides(), acc.strides()).forEachBlock(NativeCpu.MAX_RANK, (w, off) ->
                lib.addSquared(w.layout(), address(op, x, off[0]), address(op, acc, off[1]), scale));
    }

    void perSampleSquaredGemm(View a, View b, View acc, double scale) {
        String op = "perSampleSquaredGemm";
        requireFloat32(op, a, b, acc);
        requireContiguous(op, acc);
        long batch = a.dim(0), m = a.dim(1), t = a.dim(2), n = b.dim(2);
        if (batch == 0 || m == 0 || n == 0 || t == 0) return;
        CpuLinalg.requireBlasSizes(op, m, n, t);
        try (TempViews temps = math.temps()) {
            View ea = a, eb = b;
            MatrixLayout la = MatrixLayout.of(a, m, t), lb = MatrixLayout.of(b, t, n);
            if (la == null) {
                ea = temps.copyOf(a);
                la = MatrixLayout.of(ea, m, t);
            }
            if (lb == null) {
                eb = temps.copyOf(b);
                lb = MatrixLayout.of(eb, t, n);
            }
            CpuLinalg.requireBlasSizes(op, la.ld(), lb.ld());
            MemorySegment desc = NativeCpu.longs(NativeCpu.LAYOUT_A, batch, m, n, t, la.transposed() ? 1 : 0, la.ld(),
                    batch == 1 ? 0 : ea.stride(0), lb.transposed() ? 1 : 0, lb.ld(), batch == 1 ? 0 : eb.stride(0));
            lib.perSampleSquaredGemm(desc, address(op, ea), address(op, eb), address(op, acc), scale);
        }
    }

    void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale) {
        String op = "perSampleSquaredConvWeight";
        requireFloat32(op, dy, x, acc);
        requireContiguous(op, dy, x, acc);
        if (g.n() == 0) return;
        lib.perSampleSquaredConvWeight(CpuLinalg.geometry(op, g), address(op, dy), address(op, x), address(op, acc), scale);
    }

    void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda) {
        String op = "ssdDampen";
        requireFloat32(op, theta, importanceD, importanceF);
        requireContiguous(op, theta, importanceD, importanceF);
        if (theta.numel() == 0) return;
        lib.ssdDampen(theta.numel(), address(op, theta), address(op, importanceD), address(op, importanceF), alpha, lambda);
    }

    void addGaussianNoise(View theta, View std, long seed, long counter) {
        String op = "addGaussianNoise";
        requireFloat32(op, theta, std);
        requireContiguous(op, theta, std);
        if (theta.numel() == 0) return;
        lib.addGaussianNoise(address(op, theta), address(op, std), theta.numel(), seed, counter);
    }

    void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        String op = "scoreHistogram";
        ScoreKeys.checkHistogram(op, shift, bits, matchShift, counts);
        requireFloat32(op, scores);
        if (scores.numel() == 0) return;
        try (TempViews temps = math.temps(); Arena arena = Arena.ofConfined()) {
            View s = scores.isContiguous() ? scores : temps.copyOf(scores);
            MemorySegment buffer = arena.allocate(ValueLayout.JAVA_LONG, counts.length);
            MemorySegment.copy(counts, 0, buffer, ValueLayout.JAVA_LONG, 0, counts.length);
            if (lib.scoreHistogram(s.numel(), address(op, s), shift, bits, matchShift, matchValue, buffer) == NativeCpu.ERR_VALUE)
                throw ScoreKeys.badScore(op, NativeCpu.info(0), Float.intBitsToFloat((int) NativeCpu.info(1)));
            MemorySegment.copy(buffer, ValueLayout.JAVA_LONG, 0, counts, 0, counts.length);
        }
    }

    long maskFromScores(View scores, View mask, float threshold, long tiesToKeep) {
        String op = "maskFromScores";
        ScoreKeys.checkTies(op, tiesToKeep);
        requireFloat32(op, scores, mask);
        requireContiguous(op, mask);
        if (mask.numel() == 0) return 0;
        try (TempViews temps = math.temps()) {
            View s = scores.isContiguous() ? scores : temps.copyOf(scores);
            return lib.maskFromScores(s.numel(), address(op, s), address(op, mask), threshold, tiesToKeep);
        }
    }
}
