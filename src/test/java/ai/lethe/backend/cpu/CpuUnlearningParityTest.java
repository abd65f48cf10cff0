// Parity of the cpu backend's unlearning, pruning and masked-optimizer kernels with the ref backend: squared
// gradients (addSquared over strided views; per-sample squared GEMMs with odd sizes, transposed, padded,
// non-BLAS and broadcast operands, several row blocks and sample groups; per-sample squared conv weights over
// strides, paddings, dilations, 1x1 and one-sample batches), SSD dampening, Gaussian noise, the radix-select
// histogram and the top-k mask (exact), and SGD/Adam with masks and l1. Also: the same bits on every run.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.BothBackends.assertClose;
import static ai.lethe.backend.cpu.BothBackends.assertExact;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.View;
import ai.lethe.backend.cpu.BothBackends.Pair;
import ai.lethe.core.DType;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CpuUnlearningParityTest {
    private BothBackends both;

    @BeforeEach void setUp() {
        BothBackends.assumeCpuAvailable();
        both = new BothBackends(4321);
    }

    @AfterEach void tearDown() {
        if (both != null) both.close();
    }

    // ---- addSquared ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 37, 100_003})
    void addSquaredOnContiguousViews(long n) {
        Pair x = both.normal(n), acc = both.uniform(0, 2, n);
        both.run(s -> s.backend().addSquared(s.v(x), s.v(acc), 0.37));
        assertClose("addSquared n=" + n, acc);
    }

    @Test void addSquaredOnStridedViews() {
        Pair t = both.normal(33, 65).transposed(0, 1), acc = both.uniform(0, 1, 65, 33);
        both.run(s -> s.backend().addSquared(s.v(t), s.v(acc), 1.0 / 64));
        assertClose("addSquared transposed", acc);

        Pair padded = both.paddedNormal(3, 7, 11), acc2 = both.uniform(0, 1, 3, 7, 11);
        both.run(s -> s.backend().addSquared(s.v(padded), s.v(acc2), 2.5));
        assertClose("addSquared padded", acc2);

        Pair sliced = both.normal(300, 400).sliced(1, 3, 2, 150), acc3 = both.uniform(0, 1, 300, 150);
        both.run(s -> s.backend().addSquared(s.v(sliced), s.v(acc3), 1));
        assertClose("addSquared sliced", acc3);

        Pair empty = both.normal(0, 4), accEmpty = both.output(0, 4);
        both.run(s -> s.backend().addSquared(s.v(empty), s.v(accEmpty), 1));
    }

    // ---- per-sample squared GEMM ----------------------------------------------------------------------------------

    static Stream<Arguments> gemmSizes() {
        return Stream.of(        //  B    M   T     N
                Arguments.of(new long[] {1, 1, 1, 1}),
                Arguments.of(new long[] {3, 5, 7, 4}),
                Arguments.of(new long[] {5, 17, 13, 9}),
                Arguments.of(new long[] {7, 33, 65, 31}),
                Arguments.of(new long[] {2, 1, 40, 3}),
                Arguments.of(new long[] {13, 70, 9, 150}),     // 8 sample groups of 1-2 samples, in parallel
                Arguments.of(new long[] {3, 40, 5, 3000}),     // 3 row blocks of 16 rows
                Arguments.of(new long[] {1, 97, 11, 2049}));   // one sample: row blocks in parallel
    }

    @ParameterizedTest
    @MethodSource("gemmSizes")
    void perSampleSquaredGemmOnContiguousOperands(long[] size) {
        long b = size[0], m = size[1], t = size[2], n = size[3];
        Pair a = both.normal(b, m, t), x = both.normal(b, t, n), acc = both.uniform(0, 1, m, n);
        both.run(s -> s.backend().perSampleSquaredGemm(s.v(a), s.v(x), s.v(acc), 0.5));
        assertClose("perSampleSquaredGemm " + Arrays.toString(size), acc);
    }

    @ParameterizedTest
    @MethodSource("gemmSizes")
    void perSampleSquaredGemmOnStridedOperands(long[] size) {
        long b = size[0], m = size[1], t = size[2], n = size[3];
        // a = per-sample output gradients [B, T, M] transposed (BLAS reads it transposed); b transposed too
        Pair a = both.normal(b, t, m).transposed(1, 2), x = both.normal(b, n, t).transposed(1, 2);
        Pair acc = both.uniform(0, 1, m, n);
        both.run(s -> s.backend().perSampleSquaredGemm(s.v(a), s.v(x), s.v(acc), 1.0 / b));
        assertClose("perSampleSquaredGemm transposed " + Arrays.toString(size), acc);

        // padded rows (leading dimension > width) and every other column (no BLAS layout: copied)
        Pair pa = both.paddedNormal(b, m, t), sx = both.normal(b, t, 2 * n).sliced(2, 1, 2, n);
        Pair acc2 = both.uniform(0, 1, m, n);
        both.run(s -> s.backend().perSampleSquaredGemm(s.v(pa), s.v(sx), s.v(acc2), 2));
        assertClose("perSampleSquaredGemm padded/sliced " + Arrays.toString(size), acc2);
    }

    @Test void perSampleSquaredGemmWithABroadcastOperand() {
        // every sample multiplies the same b (batch stride 0)
        Pair a = both.normal(6, 9, 5), x = both.normal(1, 5, 7).expanded(0, 6), acc = both.uniform(0, 1, 9, 7);
        both.run(s -> s.backend().perSampleSquaredGemm(s.v(a), s.v(x), s.v(acc), 1));
        assertClose("perSampleSquaredGemm broadcast", acc);
    }

    @Test void perSampleSquaredGemmOfEmptyProductsLeavesAccUnchanged() {
        for (long[] size : new long[][] {{0, 3, 4, 5}, {2, 3, 0, 5}}) {
            Pair a = both.normal(size[0], size[1], size[2]), x = both.normal(size[0], size[2], size[3]);
            Pair acc = both.uniform(0, 1, size[1], size[3]);
            double[] before = BothBackends.values(acc.cpu());
            both.run(s -> s.backend().perSampleSquaredGemm(s.v(a), s.v(x), s.v(acc), 1));
            assertArrayEquals(before, BothBackends.values(acc.cpu()));
            assertExact("empty", acc);
        }
    }

    // ---- per-sample squared conv weight ---------------------------------------------------------------------------

    static Stream<Conv2dGeometry> convolutions() {
        return Stream.of(   //     n   c   h   w   k kh kw sh sw ph pw dh dw
                new Conv2dGeometry(2, 3, 9, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1),
                new Conv2dGeometry(3, 2, 10, 11, 5, 3, 2, 2, 1, 1, 0, 1, 1),
                new Conv2dGeometry(2, 3, 12, 12, 4, 3, 3, 1, 2, 2, 2, 2, 1),
                new Conv2dGeometry(4, 6, 7, 7, 5, 1, 1, 1, 1, 0, 0, 1, 1),      // pointwise: no im2col
                new Conv2dGeometry(2, 6, 7, 7, 5, 1, 1, 2, 2, 0, 0, 1, 1),      // 1x1 stride 2
                new Conv2dGeometry(2, 3, 5, 5, 2, 1, 1, 1, 1, 1, 1, 1, 1),      // 1x1 padded
                new Conv2dGeometry(1, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1),      // one sample
                new Conv2dGeometry(3, 4, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 1),
                new Conv2dGeometry(2, 2, 16, 20, 3, 3, 3, 1, 1, 2, 2, 2, 2),    // wide rows: flat im2col, dilated
                new Conv2dGeometry(13, 8, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1),  // 8 groups in parallel
                new Conv2dGeometry(11, 5, 7, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1),
                new Conv2dGeometry(1, 64, 6, 6, 70, 5, 5, 1, 1, 2, 2, 1, 1),    // one sample, 3 row blocks in parallel
                new Conv2dGeometry(3, 64, 4, 4, 40, 5, 5, 1, 1, 2, 2, 1, 1),    // row blocks in every group
                new Conv2dGeometry(0, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1));
    }

    @ParameterizedTest
    @MethodSource("convolutions")
    void perSampleSquaredConvWeight(Conv2dGeometry g) {
        Pair x = both.normal(g.n(), g.c(), g.h(), g.w()), dy = both.normal(g.n(), g.k(), g.outH(), g.outW());
        Pair acc = both.uniform(0, 1, g.k(), g.c(), g.kh(), g.kw());
        both.run(s -> s.backend().perSampleSquaredConvWeight(s.v(dy), s.v(x), s.v(acc), g, 1.0 / Math.max(1, g.n())));
        assertClose("perSampleSquaredConvWeight " + g, acc);
    }

    // ---- SSD ------------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 37, 100_003})
    void ssdDampenMatchesBitForBit(long n) {
        // importances: half exponential, with zeros in each (iF == 0: never selected; iD == 0: zeroed if selected)
        Pair theta = both.normal(n);
        Pair iD = both.tensor(DType.FLOAT32, new long[] {n}, i -> i % 7 == 0 ? 0 : -Math.log(both.random.nextDouble()));
        Pair iF = both.tensor(DType.FLOAT32, new long[] {n}, i -> i % 11 == 0 ? 0 : -20 * Math.log(both.random.nextDouble()));
        for (double[] al : new double[][] {{10, 1}, {1, 0.5}, {0.1, 3}, {5, 0}}) {
            both.run(s -> s.backend().ssdDampen(s.v(theta), s.v(iD), s.v(iF), al[0], al[1]));
            assertExact("ssdDampen n=" + n + " alpha=" + al[0] + " lambda=" + al[1], theta);
        }
    }

    // ---- Gaussian noise -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 1001, 100_003})
    void addGaussianNoiseMatchesWithinOneUlp(long n) {
        Pair theta = both.normal(n), std = both.uniform(0, 0.1, n);
        both.run(s -> s.backend().addGaussianNoise(s.v(theta), s.v(std), 0xFEED_BEEFL, 12345));
        double[] r = BothBackends.values(theta.ref()), c = BothBackends.values(theta.cpu());
        for (int i = 0; i < r.length; i++)
            assertTrue(Math.abs(r[i] - c[i]) <= Math.ulp((float) r[i]), "noise element " + i + ": " + c[i] + " vs ref " + r[i]);
    }

    // ---- histogram and mask ---------------------------------------------------------------------------------------

    /** Non-negative scores quantised to `levels` values (many ties), with some zeros and −0s. */
    private Pair quantisedScores(long n, int levels) {
        return both.tensor(DType.FLOAT32, new long[] {n}, i -> i % 97 == 0 ? (i % 2 == 0 ? -0.0 : 0.0)
                : Math.floor(both.random.nextDouble() * levels) / levels * 3.7);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 1000, 300_007})
    void scoreHistogramCountsExactly(long n) {
        Pair scores = quantisedScores(n, 300);
        long[] cr = new long[1 << 16], cc = new long[1 << 16];
        for (int b = 0; b < cc.length; b++) cr[b] = cc[b] = b % 3;   // counts are accumulated into
        scores(scores, 16, 16, ScoreKeys.MATCH_ALL, 0, cr, cc);
        assertArrayEquals(cr, cc, "high half");
        long initial = 0;
        for (int b = 0; b < cc.length; b++) initial += b % 3;
        assertEquals(initial + n, Arrays.stream(cc).sum(), "every element counted once");
        // the lower half of the bucket holding the most elements
        int top = 0;
        for (int b = 0; b < cr.length; b++) if (cr[b] - b % 3 > cr[top] - top % 3) top = b;
        long[] lr = new long[1 << 16], lc = new long[1 << 16];
        scores(scores, 0, 16, 16, top, lr, lc);
        assertArrayEquals(lr, lc, "low half of bucket " + top);
        assertEquals(cr[top] - top % 3, Arrays.stream(lr).sum());
        // a few bits in the middle
        long[] mr = new long[1 << 5], mc = new long[1 << 5];
        scores(scores, 20, 5, 25, 0x7F800000 >>> 25, mr, mc);
        assertArrayEquals(mr, mc, "5 bits at 20");
    }

    private void scores(Pair scores, int shift, int bits, int matchShift, int matchValue, long[] refCounts, long[] cpuCounts) {
        both.ref.scoreHistogram(scores.ref(), shift, bits, matchShift, matchValue, refCounts);
        both.cpu.scoreHistogram(scores.cpu(), shift, bits, matchShift, matchValue, cpuCounts);
    }

    @Test void scoreHistogramOfStridedScores() {
        Pair scores = both.tensor(DType.FLOAT32, new long[] {300, 500}, i -> Math.abs(both.random.nextGaussian()))
                .transposed(0, 1);
        long[] cr = new long[1 << 16], cc = new long[1 << 16];
        scores(scores, 16, 16, 32, 0, cr, cc);
        assertArrayEquals(cr, cc);
    }

    @Test void scoreHistogramRejectsNegativeAndNaNScoresNamingTheFirst() {
        for (double bad : new double[] {-1.5, Double.NaN, Double.NEGATIVE_INFINITY}) {
            Pair scores = both.tensor(DType.FLOAT32, new long[] {200_000}, i -> i == 150_001 || i == 190_000 ? bad : 1.0);
            for (var backend : new ai.lethe.backend.Backend[] {both.ref, both.cpu}) {
                View v = backend == both.ref ? scores.ref() : scores.cpu();
                var e = assertThrows(IllegalArgumentException.class,
                        () -> backend.scoreHistogram(v, 16, 16, 32, 0, new long[1 << 16]));
                assertTrue(e.getMessage().startsWith("scoreHistogram: ") && e.getMessage().contains("150001"),
                        backend.name() + ": " + e.getMessage());
            }
        }
    }

    @Test void scoreHistogramValidatesItsArguments() {
        Pair scores = both.uniform(0, 1, 10);
        for (var backend : new ai.lethe.backend.Backend[] {both.ref, both.cpu}) {
            View v = backend == both.ref ? scores.ref() : scores.cpu();
            assertThrows(IllegalArgumentException.class, () -> backend.scoreHistogram(v, 0, 17, 32, 0, new long[1 << 17]));
            assertThrows(IllegalArgumentException.class, () -> backend.scoreHistogram(v, 20, 16, 32, 0, new long[1 << 16]));
            assertThrows(IllegalArgumentException.class, () -> backend.scoreHistogram(v, 16, 16, 33, 0, new long[1 << 16]));
            var e = assertThrows(IllegalArgumentException.class, () -> backend.scoreHistogram(v, 16, 16, 32, 0, new long[10]));
            assertTrue(e.getMessage().contains("counts"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 1000, 300_007})
    void maskFromScoresKeepsTiesInIndexOrder(long n) {
        Pair scores = quantisedScores(n, 50);
        float threshold = (float) (Math.floor(25.0) / 50 * 3.7);
        long ties = 0;
        for (double v : BothBackends.values(scores.ref())) if ((float) v == threshold) ties++;
        for (long keep : new long[] {0, 1, ties / 3, ties, ties + 5}) {
            Pair mask = both.output(n);
            long[] kept = new long[2];
            kept[0] = both.ref.maskFromScores(scores.ref(), mask.ref(), threshold, keep);
            kept[1] = both.cpu.maskFromScores(scores.cpu(), mask.cpu(), threshold, keep);
            assertEquals(Math.min(keep, ties), kept[0], "ref ties kept");
            assertEquals(kept[0], kept[1], "cpu ties kept");
            assertExact("mask n=" + n + " keep=" + keep, mask);
        }
        // threshold 0 with −0 scores: −0 ties with +0
        Pair mask = both.output(n);
        long zeros = Arrays.stream(BothBackends.values(scores.ref())).filter(v -> v == 0).count();
        assertEquals(zeros, both.cpu.maskFromScores(scores.cpu(), mask.cpu(), 0f, Long.MAX_VALUE));
    }

    @Test void maskFromStridedScores() {
        Pair scores = both.tensor(DType.FLOAT32, new long[] {300, 500}, i -> Math.floor(both.random.nextDouble() * 8))
                .transposed(0, 1);
        Pair mask = both.output(500, 300);
        long kr = both.ref.maskFromScores(scores.ref(), mask.ref(), 4f, 1000);
        long kc = both.cpu.maskFromScores(scores.cpu(), mask.cpu(), 4f, 1000);
        assertEquals(kr, kc);
        assertExact("mask of transposed scores", mask);
    }

    // ---- masked optimizers --------------------------------------------------------------------------------------

    private Pair mask(long n) { return both.tensor(DType.FLOAT32, new long[] {n}, i -> both.random.nextDouble() < 0.3 ? 0 : 1); }

    static Stream<SgdParams> sgdVariants() {
        return Stream.of(
                new SgdParams(0.1, 0, 0, 0, 0, false, false, false),
                new SgdParams(0.1, 0, 0, 5e-4, 1e-3, false, true, false),
                new SgdParams(0.05, 0.9, 0, 0, 0, false, false, true),
                new SgdParams(0.05, 0.9, 0, 1e-4, 5e-4, false, false, false),
                new SgdParams(0.05, 0.9, 0.1, 1e-4, 2e-3, true, false, false),
                new SgdParams(0.05, 0.9, 0, 0, 1e-2, true, true, true));
    }

    @ParameterizedTest
    @MethodSource("sgdVariants")
    void maskedSgdStepWithL1(SgdParams p) {
        for (long n : new long[] {1, 37, 100_003}) {
            Pair param = both.tensor(DType.FLOAT32, new long[] {n}, i -> i % 5 == 0 ? 0 : both.random.nextGaussian());
            Pair grad = both.normal(n), buf = p.momentum() == 0 ? null : both.normal(n), mask = mask(n);
            both.run(s -> s.backend().sgdStep(s.v(param), s.v(grad), s.v(buf), s.v(mask), p));
            assertClose("masked sgd param " + p, param);
            if (buf != null) assertClose("masked sgd momentum " + p, buf);
            double[] w = BothBackends.values(param.cpu()), m = BothBackends.values(mask.cpu());
            double[] b = buf == null ? null : BothBackends.values(buf.cpu());
            for (int i = 0; i < w.length; i++)
                if (m[i] == 0) {
                    assertEquals(0.0, w[i], 0.0, "pruned param " + i);
                    if (b != null) assertEquals(0.0, b[i], 0.0, "pruned momentum " + i);
                }
        }
    }

    @ParameterizedTest
    @MethodSource("ai.lethe.backend.cpu.CpuNnParityTest#adamVariants")
    void maskedAdamStep(AdamParams p) {
        for (long n : new long[] {1, 37, 100_003}) {
            Pair param = both.normal(n), grad = both.normal(n), m = both.normal(n), v = both.uniform(0, 2, n), mask = mask(n);
            both.run(s -> s.backend().adamStep(s.v(param), s.v(grad), s.v(m), s.v(v), s.v(mask), p));
            assertClose("masked adam param " + p, param);
            assertClose("masked adam exp_avg " + p, m);
            assertClose("masked adam exp_avg_sq " + p, v);
            double[] keep = BothBackends.values(mask.cpu());
            for (Pair t : new Pair[] {param, m, v}) {
                double[] vals = BothBackends.values(t.cpu());
                for (int i = 0; i < vals.length; i++) if (keep[i] == 0) assertEquals(0.0, vals[i], 0.0, "pruned entry " + i);
            }
        }
    }

    // ---- determinism ------------------------------------------------------------------------------------------------

    @Test void perSampleSumsGiveTheSameBitsEveryRun() {
        Pair a = both.normal(64, 48, 65), b = both.normal(64, 65, 96), acc = both.output(48, 96);
        double[] first = null;
        for (int run = 0; run < 5; run++) {
            both.cpu.fill(acc.cpu(), 0);
            both.cpu.perSampleSquaredGemm(a.cpu(), b.cpu(), acc.cpu(), 1);
            double[] now = BothBackends.values(acc.cpu());
            if (first == null) first = now;
            else assertArrayEquals(first, now, "gemm run " + run);
        }
        var g = new Conv2dGeometry(64, 8, 10, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1);
        Pair x = both.normal(g.n(), g.c(), g.h(), g.w()), dy = both.normal(g.n(), g.k(), g.outH(), g.outW());
        Pair dw = both.output(g.k(), g.c(), g.kh(), g.kw());
        first = null;
        for (int run = 0; run < 5; run++) {
            both.cpu.fill(dw.cpu(), 0);
            both.cpu.perSampleSquaredConvWeight(dy.cpu(), x.cpu(), dw.cpu(), g, 1);
            double[] now = BothBackends.values(dw.cpu());
            if (first == null) first = now;
            else assertArrayEquals(first, now, "conv run " + run);
        }
    }
}
