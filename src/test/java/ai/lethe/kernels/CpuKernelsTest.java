// CpuKernels, the raw-MemorySegment API for other frameworks: the same results as the tensor-level kernels on
// the ref backend (the oracle) for SSD dampening, sums of squares, per-sample squared GEMM and Gaussian noise
// (same seed and counter → same bits as Unlearning.addGaussianNoise on cpu); and bad input — heap segments,
// too-small segments, closed arenas, bad hyper-parameters — as exceptions naming the argument, never a crash.
// Skips (with the reason) where the native library cannot load.
package ai.lethe.kernels;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CpuKernelsTest {
    @BeforeEach void needsTheNativeLibrary() {
        TestBackends.requireCpu();
        assertTrue(CpuKernels.isAvailable(), CpuKernels::unavailableReason);
    }

    private static float[] random(long seed, int n, float lo, float hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return v;
    }

    private static MemorySegment segment(Arena arena, float[] v) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, v.length);
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT, 0, v.length);
        return s;
    }

    private static float[] floats(MemorySegment s, int n) { return s.asSlice(0, 4L * n).toArray(ValueLayout.JAVA_FLOAT); }

    @Test void ssdDampenAndAddSquaredMatchTheReference() {
        int n = 10_007;
        float[] theta = random(1, n, -1, 1), iD = random(2, n, 0, 1), iF = random(3, n, 0, 20);
        try (Arena arena = Arena.ofConfined(); var _ = Scope.open()) {
            MemorySegment t = segment(arena, theta);
            CpuKernels.ssdDampen(t, segment(arena, iD), segment(arena, iF), n, 10, 1);
            Tensor ref = Tensor.fromArray(theta, Device.REF, n);
            Unlearning.ssdDampen(ref, Tensor.fromArray(iD, Device.REF, n), Tensor.fromArray(iF, Device.REF, n), 10, 1);
            assertArrayEquals(ref.toFloatArray(), floats(t, n), 0f);

            float[] acc = random(4, n, 0, 1);
            MemorySegment a = segment(arena, acc);
            CpuKernels.addSquared(segment(arena, theta), a, n, 0.25);
            float[] got = floats(a, n);
            for (int i = 0; i < n; i++) assertEquals((float) (acc[i] + 0.25 * (double) theta[i] * theta[i]), got[i], 0f);
        }
    }

    @Test void perSampleSquaredGemmMatchesTheReference() {
        int batch = 3, m = 17, t = 5, k = 9;
        float[] a = random(5, batch * m * t, -1, 1), b = random(6, batch * t * k, -1, 1);
        try (Arena arena = Arena.ofConfined(); var _ = Scope.open()) {
            MemorySegment acc = segment(arena, new float[m * k]);
            CpuKernels.perSampleSquaredGemm(segment(arena, a), segment(arena, b), acc, batch, m, t, k, 1.0 / batch);
            Tensor want = Tensor.zeros(Shape.of(m, k), Device.REF);
            Squares.perSampleSquaredGemm(Tensor.fromArray(a, Device.REF, batch, m, t), Tensor.fromArray(b, Device.REF, batch, t, k),
                    want, 1.0 / batch);
            float[] w = want.toFloatArray(), g = floats(acc, m * k);
            for (int i = 0; i < w.length; i++) assertEquals(w[i], g[i], 1e-5 * Math.max(1, Math.abs(w[i])), "element " + i);
        }
    }

    @Test void gaussianNoiseIsSeededAndMatchesTheTensorKernel() {
        int n = 4_099;
        float[] theta = random(7, n, -1, 1), std = random(8, n, 0, 0.1f);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t1 = segment(arena, theta), t2 = segment(arena, theta);
            CpuKernels.addGaussianNoise(t1, segment(arena, std), n, 42, 0);
            CpuKernels.addGaussianNoise(t2, segment(arena, std), n, 42, 0);
            float[] g1 = floats(t1, n);
            assertArrayEquals(g1, floats(t2, n), 0f, "same seed and counter, same bits");
            double mean = 0, var = 0;
            for (int i = 0; i < n; i++) {
                double z = (g1[i] - theta[i]) / Math.max(std[i], 1e-12);
                mean += z / n;
                var += z * z / n;
            }
            assertEquals(0, mean, 0.1, "standard normal noise: mean");
            assertEquals(1, var, 0.1, "standard normal noise: variance");
        }
    }

    @Test void badSegmentsAndParametersAreExceptionsNamingThem() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ok = segment(arena, new float[8]), small = segment(arena, new float[4]);
            MemorySegment heap = MemorySegment.ofArray(new float[8]);
            var e = assertThrows(IllegalArgumentException.class, () -> CpuKernels.ssdDampen(heap, ok, ok, 8, 10, 1));
            assertTrue(e.getMessage().contains("heap"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CpuKernels.ssdDampen(ok, small, ok, 8, 10, 1));
            assertTrue(e.getMessage().contains("bytes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CpuKernels.ssdDampen(ok, ok, ok, 8, 0, 1));
            assertTrue(e.getMessage().contains("alpha"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CpuKernels.ssdDampen(ok, ok, ok, 8, 10, -1));
            assertTrue(e.getMessage().contains("lambda"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> CpuKernels.addSquared(ok, ok, -1, 1));
        }
        Arena closed = Arena.ofConfined();
        MemorySegment gone = closed.allocate(32);
        closed.close();
        assertThrows(IllegalStateException.class, () -> CpuKernels.addSquared(gone, gone, 8, 1));
    }
}
