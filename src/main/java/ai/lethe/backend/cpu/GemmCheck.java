// The numerical check a BLAS must pass before the cpu backend uses it: a few single-precision products of
// awkward sizes (edge tiles of every kernel, each transpose combination, alpha and beta not 0 or 1) against a
// plain double-precision product. The bound is the standard worst-case error of a float32 dot product of length
// k, (k + 2)·2⁻²³·(|α|·Σ|a||b| + |β||c|), which every correct summation order meets and a broken kernel (wrong
// tile, wrong instructions, a stride mix-up) misses by orders of magnitude. Takes a few milliseconds.
package ai.lethe.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Random;

final class GemmCheck {
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** cblas_sgemm's C signature (blas.h). */
    static final FunctionDescriptor SGEMM = FunctionDescriptor.ofVoid(I, I, I, I, I, I, F, ValueLayout.ADDRESS, I,
            ValueLayout.ADDRESS, I, F, ValueLayout.ADDRESS, I);
    static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    /** {m, n, k}: tiny, odd, around typical kernel tile sizes (4..32 rows or columns), and past a cache block. */
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 5, 3}, {33, 47, 65}, {16, 48, 9}, {97, 131, 259}};

    private GemmCheck() {}

    /** A downcall handle for a cblas_sgemm at {@code address}. */
    static MethodHandle sgemmHandle(MemorySegment address) { return Linker.nativeLinker().downcallHandle(address, SGEMM); }

    /** Null when {@code sgemm} computes every case within the bound; else what it got wrong. */
    static String run(MethodHandle sgemm) {
        Random random = new Random(20261202);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : SHAPES) {
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                    String failure = one(sgemm, arena, random, shape[0], shape[1], shape[2], ta, tb);
                    if (failure != null) return failure;
                }
            }
        }
        return null;
    }

    private static String one(MethodHandle sgemm, Arena arena, Random random, int m, int n, int k, boolean ta, boolean tb) {
        float alpha = 0.75f, beta = -1.25f;
        // a: [m, k] (stored [k, m] when ta), b: [k, n] (stored [n, k] when tb), c: [m, n]; leading dimensions padded
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
        float[] a = fill(random, (ta ? k : m) * lda), b = fill(random, (tb ? n : k) * ldb), c = fill(random, m * ldc);
        MemorySegment sa = arena.allocateFrom(F, a), sb = arena.allocateFrom(F, b), sc = arena.allocateFrom(F, c);
        try {
            sgemm.invokeExact(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, alpha, sa, lda, sb, ldb, beta, sc, ldc);
        } catch (Throwable e) {
            return "sgemm threw " + e;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[p * lda + i] : a[i * lda + p], y = tb ? b[j * ldb + p] : b[p * ldb + j];
                    sum += x * y;
                    magnitude += Math.abs(x * y);
                }
                double c0 = c[i * ldc + j], expected = alpha * sum + beta * c0;
                double bound = (k + 2) * 0x1p-23 * (Math.abs(alpha) * magnitude + Math.abs(beta * c0)) + 0x1p-60;
                float got = sc.getAtIndex(F, (long) i * ldc + j);
                if (!(Math.abs(got - expected) <= bound))
                    return String.format("C[%d,%d] of a %dx%dx%d product (%s, %s) is %s, expected %s", i, j, m, n, k,
                            ta ? "A transposed" : "A", tb ? "B transposed" : "B", got, expected);
            }
        }
        return null;
    }

    private static float[] fill(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float) (random.nextGaussian());
        return values;
    }
}
