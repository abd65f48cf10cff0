// Parity of the CUDA backend's unlearning and pruning kernels (cuda-kernels/unlearn.cu, on cuda-emu) with the ref
// backend (and, where both are exact, the cpu backend): addSquared over contiguous (every float4 tail), unaligned
// and strided views; per-sample squared GEMMs over odd sizes, transposed, padded, sliced and broadcast operands;
// per-sample squared conv weights over strides, paddings, dilations, 1x1 and one-sample batches; SSD dampening bit
// for bit; Gaussian noise identical to the cpu stream and within one float ulp of ref's; the radix-select histogram
// (shared-memory and global-atomic variants, prefix filters, bad scores named) and the top-k mask with ties kept
// in index order across chunks, exactly.
package ai.lethe.backend.cuda;

import static ai.lethe.backend.cuda.Mirrored.assertClose;
import static ai.lethe.backend.cuda.Mirrored.assertExact;
import static ai.lethe.backend.cuda.Mirrored.assertSameAsCpu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Philox;
import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.cuda.Mirrored.T;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CudaUnlearningParityTest {
    private Mirrored m;

    @BeforeEach void setUp() { m = new Mirrored(4321); }

    @AfterEach void tearDown() {
        if (m != null) m.close();
    }

    // ---- addSquared ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 37, 10_007})
    void addSquaredOnContiguousViews(long n) {
        T x = m.normal(n), acc = m.uniform(0, 2, n);
        m.run(s -> s.backend().addSquared(s.v(x), s.v(acc), 0.37));
        assertClose("addSquared n=" + n, acc);
        assertSameAsCpu("addSquared n=" + n, acc);
    }

    @Test void addSquaredOnUnalignedAndStridedViews() {
        T ux = m.unalignedNormal(37), uacc = m.unalignedNormal(37);
        m.run(s -> s.backend().addSquared(s.v(ux), s.v(uacc), 1.5));
        assertSameAsCpu("addSquared unaligned", uacc);
        assertClose("addSquared unaligned", uacc);
        Mirrored.assertStorageClose("addSquared unaligned", uacc);

        T t = m.normal(33, 65).transposed(0, 1), acc = m.uniform(0, 1, 65, 33);
        m.run(s -> s.backend().addSquared(s.v(t), s.v(acc), 1.0 / 64));
        assertClose("addSquared transposed", acc);

        T padded = m.paddedNormal(3, 7, 11), acc2 = m.paddedNormal(3, 7, 11);
        m.runRefCuda(s -> s.backend().addSquared(s.v(padded), s.v(acc2), 2.5));
        assertClose("addSquared padded", acc2);
        Mirrored.assertStorageClose("addSquared padded", acc2);

        T empty = m.normal(0, 4), accEmpty = m.normal(0, 4);
        m.run(s -> s.backend().addSquared(s.v(empty), s.v(accEmpty), 1));
    }

    // ---- per-sample squared GEMM ----------------------------------------------------------------------------------

    static Stream<Arguments> gemmSizes() {
        return Stream.of(        //  B    M   T    N
                Arguments.of(new long[] {1, 1, 1, 1}),
                Arguments.of(new long[] {3, 5, 7, 4}),
                Arguments.of(new long[] {5, 17, 13, 9}),
                Arguments.of(new long[] {4, 33, 40, 31}),   // several tiles each way, T over three k-tiles
                Arguments.of(new long[] {2, 1, 40, 3}),
                Arguments.of(new long[] {13, 20, 9, 50}),   // 8 tiles: 13 sample groups, partials reduced in order
                Arguments.of(new long[] {40, 3, 5, 2}),     // more samples than groups (32)
                Arguments.of(new long[] {2, 260, 3, 260})); // 289 tiles: one group, acc written by the tiles
    }

    @ParameterizedTest
    @MethodSource("gemmSizes")
    void perSampleSquaredGemmOnContiguousOperands(long[] size) {
        long b = size[0], mm = size[1], t = size[2], n = size[3];
        T a = m.normal(b, mm, t), x = m.normal(b, t, n), acc = m.uniform(0, 1, mm, n);
        m.run(s -> s.backend().perSampleSquaredGemm(s.v(a), s.v(x), s.v(acc), 0.5));
        assertClose("perSampleSquaredGemm " + Arrays.toString(size), acc);
    }

    @ParameterizedTest
    @MethodSource("gemmSizes")
    void perSampleSquaredGemmOnStridedOperands(long[] size) {
        long b = size[0], mm = size[1], t = size[2], n = size[3];
        T a = m.normal(b, t, mm).transposed(1, 2), x = m.normal(b, n, t).transposed(1, 2), acc = m.uniform(0, 1, mm, n);
        m.run(s -> s.backend().perSampleSquaredGemm(s.v(a), s.v(x), s.v(acc), 1.0 / b));
        assertClose("perSampleSquaredGemm transposed " + Arrays.toString(size), acc);

        // padded rows and every other column
        T pa = m.paddedNormal(b, mm, t), sx = m.normal(b, t, 2 * n).sliced(2, 1, 2, n), acc2 = m.uniform(0, 1, mm, n);
        m.run(s -> s.backend().perSampleSquaredGemm(s.v(pa), s.v(sx), s.v(acc2), 2));
        assertClose("perSampleSquaredGemm padded/sliced " + Arrays.toString(size), acc2);

        // a transposed (strided) accumulator on cuda-emu (staged) against ref's contiguous one with the same values
        // (ref and cpu take a contiguous acc only)
        T accC = m.uniform(0, 1, mm, n);
        double[] init = Mirrored.values(accC.ref());
        T accT = m.tensor(new long[] {n, mm}, i -> init[(int) ((i % mm) * n + i / mm)]).transposed(0, 1);
        m.ref.perSampleSquaredGemm(pa.ref(), sx.ref(), accC.ref(), 2);
        m.cuda.perSampleSquaredGemm(pa.cuda(), sx.cuda(), accT.cuda(), 2);
        assertClose("perSampleSquaredGemm strided acc " + Arrays.toString(size), Mirrored.values(accC.ref()),
                Mirrored.values(accT.cuda()), Mirrored.TOLERANCE);
    }

    @Test void perSampleSquaredGemmWithABroadcastOperand() {
        T a = m.normal(6, 9, 5), x = m.normal(1, 5, 7).expanded(0, 6), acc = m.uniform(0, 1, 9, 7);
        m.run(s -> s.backend().perSampleSquaredGemm(s.v(a), s.v(x), s.v(acc), 1));
        assertClose("perSampleSquaredGemm broadcast", acc);
    }

    @Test void perSampleSquaredGemmOfEmptyProductsLeavesAccUnchanged() {
        for (long[] size : new long[][] {{0, 3, 4, 5}, {2, 3, 0, 5}}) {
            T a = m.normal(size[0], size[1], size[2]), x = m.normal(size[0], size[2], size[3]);
            T acc = m.uniform(0, 1, size[1], size[3]);
            double[] before = Mirrored.values(acc.cuda());
            m.run(s -> s.backend().perSampleSquaredGemm(s.v(a), s.v(x), s.v(acc), 1));
            assertArrayEquals(before, Mirrored.values(acc.cuda()));
        }
    }

    // ---- per-sample squared conv weight ---------------------------------------------------------------------------

    static Stream<Conv2dGeometry> convolutions() {
        return Stream.of(   //     n   c   h   w   k kh kw sh sw ph pw dh dw
                new Conv2dGeometry(2, 3, 9, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1),
                new Conv2dGeometry(3, 2, 10, 11, 5, 3, 2, 2, 1, 1, 0, 1, 1),
                new Conv2dGeometry(2, 3, 12, 12, 4, 3, 3, 1, 2, 2, 2, 2, 1),
                new Conv2dGeometry(4, 6, 7, 7, 5, 1, 1, 1, 1, 0, 0, 1, 1),      // pointwise
                new Conv2dGeometry(2, 6, 7, 7, 5, 1, 1, 2, 2, 0, 0, 1, 1),      // 1x1 stride 2
                new Conv2dGeometry(2, 3, 5, 5, 2, 1, 1, 1, 1, 1, 1, 1, 1),      // 1x1 padded
                new Conv2dGeometry(1, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1),      // one sample
                new Conv2dGeometry(3, 4, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 1),
                new Conv2dGeometry(2, 2, 16, 20, 3, 3, 3, 1, 1, 2, 2, 2, 2),    // dilated
                new Conv2dGeometry(3, 8, 6, 6, 20, 3, 3, 1, 1, 1, 1, 1, 1),     // K and C kh kw over several tiles
                new Conv2dGeometry(0, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1));
    }

    @ParameterizedTest
    @MethodSource("convolutions")
    void perSampleSquaredConvWeight(Conv2dGeometry g) {
        T x = m.normal(g.n(), g.c(), g.h(), g.w()), dy = m.normal(g.n(), g.k(), g.outH(), g.outW());
        T acc = m.uniform(0, 1, g.k(), g.c(), g.kh(), g.kw());
        m.run(s -> s.backend().perSampleSquaredConvWeight(s.v(dy), s.v(x), s.v(acc), g, 1.0 / Math.max(1, g.n())));
        assertClose("perSampleSquaredConvWeight " + g, acc);
    }

    @Test void perSampleSumsGiveTheSameBitsEveryRun() {
        T a = m.normal(9, 20, 33), b = m.normal(9, 33, 18), acc = m.uniform(0, 1, 20, 18);
        double[] start = Mirrored.values(acc.cuda()), first = null;
        for (int run = 0; run < 3; run++) {
            m.cuda.write(java.lang.foreign.MemorySegment.ofArray(toFloats(start)), acc.cuda());
            m.cuda.perSampleSquaredGemm(a.cuda(), b.cuda(), acc.cuda(), 1);
            double[] now = Mirrored.values(acc.cuda());
            if (first == null) first = now;
            else assertArrayEquals(first, now, "run " + run);
        }
    }

    @Test void sampleGroupsDependOnTheShapesOnly() {
        assertEquals(1, CudaUnlearning.groups(1, 1, 1), "one sample");
        assertEquals(1, CudaUnlearning.groups(100, 289, 289 * 256), "enough tiles");
        assertEquals(CudaUnlearning.MAX_GROUPS, CudaUnlearning.groups(1000, 1, 16), "few tiles, many samples");
        assertEquals(13, CudaUnlearning.groups(13, 8, 1000), "at most one group a sample");
        assertEquals(2, CudaUnlearning.groups(1000, 132, 132 * 256), "enough groups to reach the target");
        long cells = CudaUnlearning.PARTIAL_BUDGET / Double.BYTES / 3;
        assertEquals(3, CudaUnlearning.groups(1000, 1, cells), "partials within their budget");
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    // ---- SSD ------------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 5, 7, 37, 10_007})
    void ssdDampenMatchesBitForBit(long n) {
        T theta = m.normal(n);
        T iD = m.tensor(new long[] {n}, i -> i % 7 == 0 ? 0 : -Math.log(m.random.nextDouble()));
        T iF = m.tensor(new long[] {n}, i -> i % 11 == 0 ? 0 : i % 13 == 0 ? Double.NaN : -20 * Math.log(m.random.nextDouble()));
        for (double[] al : new double[][] {{10, 1}, {1, 0.5}, {0.1, 3}, {5, 0}}) {
            m.run(s -> s.backend().ssdDampen(s.v(theta), s.v(iD), s.v(iF), al[0], al[1]));
            assertExact("ssdDampen n=" + n + " alpha=" + al[0] + " lambda=" + al[1], theta);
            assertSameAsCpu("ssdDampen n=" + n, theta);
        }
    }

    @Test void ssdDampenOnUnalignedAndTransposedViews() {
        T theta = m.unalignedNormal(23), iD = m.uniform(0, 1, 23);
        T absF = m.tensor(new long[] {23}, i -> 5 * m.random.nextDouble());
        m.run(s -> s.backend().ssdDampen(s.v(theta), s.v(iD), s.v(absF), 1, 1));
        assertExact("ssdDampen unaligned", theta);
        T t2 = m.normal(5, 9).transposed(0, 1), d2 = m.uniform(0, 1, 9, 5), f2 = m.uniform(0, 5, 9, 5);
        m.runRefCuda(s -> s.backend().ssdDampen(s.v(t2), s.v(d2), s.v(f2), 1, 0.5));
        assertExact("ssdDampen transposed", t2);
        Mirrored.assertStorageClose("ssdDampen transposed", t2);
    }

    // ---- Gaussian noise -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 1001, 10_007})
    void addGaussianNoiseIsTheCpuStreamAndWithinOneUlpOfRef(long n) {
        T theta = m.normal(n), std = m.uniform(0, 0.1, n);
        m.run(s -> s.backend().addGaussianNoise(s.v(theta), s.v(std), 0xFEED_BEEFL, 12345));
        assertSameAsCpu("noise n=" + n, theta);
        double[] r = Mirrored.values(theta.ref()), c = Mirrored.values(theta.cuda());
        for (int i = 0; i < r.length; i++)
            assertTrue(Math.abs(r[i] - c[i]) <= Math.ulp((float) r[i]), "noise element " + i + ": " + c[i] + " vs ref " + r[i]);
    }

    @Test void noiseOnZeroWithUnitStdIsPhiloxNormalElementByElement() {
        // theta = 0, std = 1: theta becomes z_i itself; an odd count and an unaligned start (the scalar path), and
        // a large counter whose low word wraps (block counter + i / 2 crosses 2^32)
        long n = 11, seed = -7_777_777_777L, counter = 0xFFFF_FFFEL;
        T theta = m.strided(ai.lethe.core.DType.FLOAT32, new long[] {n}, new long[] {1}, 1, n + 1, i -> 0);
        T std = m.tensor(new long[] {n}, i -> 1);
        m.run(s -> s.backend().addGaussianNoise(s.v(theta), s.v(std), seed, counter));
        double[] c = Mirrored.values(theta.cuda());
        int[] words = new int[4];
        for (int i = 0; i < n; i++) {
            Philox.block(seed, counter + i / 2, words);
            int lane = (i % 2) * 2;
            float z = (float) Philox.normal(words[lane], words[lane + 1]);
            assertTrue(Math.abs(z - c[i]) <= Math.ulp(z), "element " + i + ": " + c[i] + " vs Philox " + z);
        }
        assertSameAsCpu("noise on zeros", theta);
    }

    // ---- histogram ----------------------------------------------------------------------------------------------

    /** Non-negative scores quantised to `levels` values (many ties), with some zeros and −0s. */
    private T quantisedScores(long n, int levels) {
        return m.tensor(new long[] {n}, i -> i % 97 == 0 ? (i % 2 == 0 ? -0.0 : 0.0)
                : Math.floor(m.random.nextDouble() * levels) / levels * 3.7);
    }

    private void histograms(T scores, int shift, int bits, int matchShift, int matchValue, String what) {
        long[] cr = new long[1 << bits], cc = new long[1 << bits];
        for (int b = 0; b < cc.length; b++) cr[b] = cc[b] = b % 3;   // counts are accumulated into
        m.ref.scoreHistogram(scores.ref(), shift, bits, matchShift, matchValue, cr);
        m.cuda.scoreHistogram(scores.cuda(), shift, bits, matchShift, matchValue, cc);
        assertArrayEquals(cr, cc, what);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 1000, 70_001})
    void scoreHistogramCountsExactly(long n) {
        T scores = quantisedScores(n, 300);
        histograms(scores, 16, 16, ScoreKeys.MATCH_ALL, 0, "high half (global atomics)");
        long[] high = new long[1 << 16];
        m.ref.scoreHistogram(scores.ref(), 16, 16, 32, 0, high);
        int top = 0;
        for (int b = 0; b < high.length; b++) if (high[b] > high[top]) top = b;
        histograms(scores, 0, 16, 16, top, "low half of bucket " + top);
        histograms(scores, 20, 5, 25, 0x7F800000 >>> 25, "5 bits at 20 (shared memory)");
        histograms(scores, 19, 13, ScoreKeys.MATCH_ALL, 0, "13 bits (the largest shared histogram)");
        histograms(scores, 18, 14, ScoreKeys.MATCH_ALL, 0, "14 bits (global atomics)");
        histograms(scores, 0, 1, 1, top, "one bit");
    }

    @Test void scoreHistogramOfStridedScores() {
        T scores = m.tensor(new long[] {300, 50}, i -> Math.abs(m.random.nextGaussian())).transposed(0, 1);
        histograms(scores, 16, 16, 32, 0, "transposed");
        histograms(scores, 23, 8, 32, 0, "transposed, 8 bits");
    }

    @Test void scoreHistogramRejectsNegativeAndNaNScoresNamingTheFirst() {
        for (double bad : new double[] {-1.5, Double.NaN, Double.NEGATIVE_INFINITY}) {
            T scores = m.tensor(new long[] {20_000}, i -> i == 15_001 || i == 19_000 || i == 19_999 ? bad : 1.0);
            for (int bits : new int[] {16, 8}) {
                var e = assertThrows(IllegalArgumentException.class,
                        () -> m.cuda.scoreHistogram(scores.cuda(), 32 - bits, bits, 32, 0, new long[1 << bits]));
                assertTrue(e.getMessage().startsWith("scoreHistogram: ") && e.getMessage().contains("15001")
                        && e.getMessage().contains(Float.isNaN((float) bad) ? "NaN" : "negative"), e.getMessage());
            }
        }
    }

    @Test void scoreHistogramValidatesItsArguments() {
        T scores = m.uniform(0, 1, 10);
        assertThrows(IllegalArgumentException.class, () -> m.cuda.scoreHistogram(scores.cuda(), 0, 17, 32, 0, new long[1 << 17]));
        assertThrows(IllegalArgumentException.class, () -> m.cuda.scoreHistogram(scores.cuda(), 20, 16, 32, 0, new long[1 << 16]));
        assertThrows(IllegalArgumentException.class, () -> m.cuda.scoreHistogram(scores.cuda(), 16, 16, 33, 0, new long[1 << 16]));
        var e = assertThrows(IllegalArgumentException.class, () -> m.cuda.scoreHistogram(scores.cuda(), 16, 16, 32, 0, new long[10]));
        assertTrue(e.getMessage().contains("counts"), e.getMessage());
    }

    // ---- mask from scores -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 1000, 4096, 4097, 20_001})
    void maskFromScoresKeepsTiesInIndexOrder(long n) {
        // 20_001 scores: five chunks of 4096, ties in each, so the kept ties end inside a later chunk
        T scores = quantisedScores(n, 50);
        float threshold = (float) (25.0 / 50 * 3.7);
        long ties = Arrays.stream(Mirrored.values(scores.ref())).filter(v -> (float) v == threshold).count();
        for (long keep : new long[] {0, 1, ties / 3, ties / 2 + 1, Math.max(0, ties - 1), ties, ties + 5, Long.MAX_VALUE}) {
            T mask = m.tensor(new long[] {n}, i -> Double.NaN);
            long kr = m.ref.maskFromScores(scores.ref(), mask.ref(), threshold, keep);
            long kc = m.cuda.maskFromScores(scores.cuda(), mask.cuda(), threshold, keep);
            assertEquals(Math.min(keep, ties), kr, "ref ties kept");
            assertEquals(kr, kc, "cuda-emu ties kept, n=" + n + " keep=" + keep);
            assertExact("mask n=" + n + " keep=" + keep, mask);
        }
        // threshold 0 with −0 scores: −0 ties with +0
        T mask = m.tensor(new long[] {n}, i -> Double.NaN);
        long zeros = Arrays.stream(Mirrored.values(scores.ref())).filter(v -> v == 0).count();
        assertEquals(zeros, m.cuda.maskFromScores(scores.cuda(), mask.cuda(), 0f, Long.MAX_VALUE));
    }

    @Test void maskFromStridedScoresIntoAStridedMask() {
        T scores = m.tensor(new long[] {300, 50}, i -> Math.floor(m.random.nextDouble() * 8)).transposed(0, 1);
        T mask = m.tensor(new long[] {300, 50}, i -> Double.NaN).transposed(0, 1);
        long kr = m.ref.maskFromScores(scores.ref(), mask.ref(), 4f, 1000);
        long kc = m.cuda.maskFromScores(scores.cuda(), mask.cuda(), 4f, 1000);
        assertEquals(kr, kc);
        assertExact("mask of transposed scores", mask);
    }

    @Test void globalTopKOnCudaEmuKeepsWhatRefKeeps() {
        // the radix-select driver (ai.lethe.kernels.GlobalTopK: two histogram passes, then masks with the tie quota
        // carried across tensors) on cuda-emu's kernels, awkward sizes, heavy ties and zeros
        int[] sizes = {1_728, 36_863, 1, 70_001, 7};
        float[][] s = new float[sizes.length][];
        java.util.SplittableRandom r = new java.util.SplittableRandom(17);
        long total = 0;
        for (int t = 0; t < sizes.length; t++) {
            s[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) s[t][i] = r.nextDouble() < 0.05 ? 0f : (float) (r.nextInt(300) + 1) / 300;
            total += sizes[t];
        }
        try (var _ = ai.lethe.tensor.Scope.open()) {
            java.util.List<ai.lethe.tensor.Tensor> onRef = new java.util.ArrayList<>(), onEmu = new java.util.ArrayList<>();
            for (float[] a : s) {
                onRef.add(ai.lethe.tensor.Tensor.fromArray(a, m.ref.device(), a.length));
                onEmu.add(ai.lethe.tensor.Tensor.fromArray(a, m.cuda.device(), a.length));
            }
            for (long k : new long[] {0, 1, 12_345, total / 20, total - 3, total}) {
                var want = ai.lethe.kernels.GlobalTopK.keepLargest(onRef, k);
                var got = ai.lethe.kernels.GlobalTopK.keepLargest(onEmu, k);
                for (int t = 0; t < sizes.length; t++)
                    assertArrayEquals(want.get(t).toFloatArray(), got.get(t).toFloatArray(), "k=" + k + " tensor " + t);
            }
        }
    }

    @Test void maskFromScoresOverItsOwnScores() {
        // the mask written over the scores themselves: the ties must still be those of the original scores
        T scores = m.tensor(new long[] {9000}, i -> Math.floor(m.random.nextDouble() * 4));
        long kr = m.ref.maskFromScores(scores.ref(), scores.ref(), 2f, 700);
        long kc = m.cuda.maskFromScores(scores.cuda(), scores.cuda(), 2f, 700);
        assertEquals(kr, kc);
        assertExact("mask over its scores", scores);
    }
}
