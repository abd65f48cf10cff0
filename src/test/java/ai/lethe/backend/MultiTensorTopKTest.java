// The multi-tensor top-k ops of the SPI (Backend.scoreHistograms, Backend.masksFromScores) on every available
// backend, against independent references: the histogram of a list of views equals the sum of the single-view
// scoreHistogram calls and a histogram counted here in Java; the masks equal a brute-force walk over the views laid
// end to end (score > threshold, then the first ties in list order and flat index, up to the budget), and the kept
// count is min(budget, ties). The lists mix awkward sizes (1 element, empty, several thousand-score chunks, a length
// that is not a multiple of anything) with strided views (a transpose, a narrowed row set) and heavy ties. Also: a
// mask written over its own scores, a bad score named by view and index, and bad argument lists.
package ai.lethe.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MultiTensorTopKTest {
    static List<Device> devices() { return TestBackends.devices(); }

    /** Scores quantised to 16 levels (heavy ties), 10% exact zeros, one -0. */
    private static float[] values(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextDouble() < 0.1 ? 0f : (r.nextInt(16) + 1) / 16f;
        if (n > 3) v[3] = -0f;
        return v;
    }

    /** Score tensors (contiguous and strided) and, for each, its values in row-major order as the kernels see them. */
    private record Case(List<Tensor> tensors, List<float[]> rowMajor) {
        List<View> views() {
            List<View> v = new ArrayList<>();
            for (Tensor t : tensors) v.add(t.kernelView());
            return v;
        }
    }

    private static Case scores(Device d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Tensor> t = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        for (int n : new int[] {1, 0, 9_001, 4_096, 37}) {
            float[] v = values(r, n);
            t.add(Tensor.fromArray(v, d, n));
            rows.add(v);
        }
        // strided: the transpose of a 70 x 130 matrix, and rows 3..63 of a 64 x 50 matrix (every other column)
        float[] m = values(r, 70 * 130);
        t.add(Tensor.fromArray(m, d, 70, 130).transpose(0, 1));
        float[] tr = new float[m.length];
        for (int i = 0; i < 130; i++) for (int j = 0; j < 70; j++) tr[i * 70 + j] = m[j * 130 + i];
        rows.add(tr);
        float[] q = values(r, 64 * 50);
        Tensor base = Tensor.fromArray(q, d, 64, 50);
        t.add(base.narrow(0, 3, 60).reshape(60, 25, 2).select(2, 0));
        float[] sel = new float[60 * 25];
        for (int i = 0; i < 60; i++) for (int j = 0; j < 25; j++) sel[i * 25 + j] = q[(i + 3) * 50 + 2 * j];
        rows.add(sel);
        return new Case(t, rows);
    }

    private static long key(float v) { return ScoreKeys.key(v); }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void histogramOfAListIsTheSumOfItsViewsHistograms(Device device) {
        try (var _ = Scope.open()) {
            Case c = scores(device, 11);
            Backend b = c.tensors().getFirst().backend();
            for (int[] pass : new int[][] {{16, 16, 32, 0}, {0, 16, 16, 0x3F80}, {20, 12, 32, 0}, {0, 8, 8, 0x3F7000}}) {
                int shift = pass[0], bits = pass[1], matchShift = pass[2], matchValue = pass[3];
                long[] multi = new long[1 << bits], single = new long[1 << bits], counted = new long[1 << bits];
                multi[5] = 7;   // accumulated into, not overwritten
                single[5] = 7;
                counted[5] = 7;
                b.scoreHistograms(c.views(), shift, bits, matchShift, matchValue, multi);
                for (View v : c.views()) b.scoreHistogram(v, shift, bits, matchShift, matchValue, single);
                for (float[] vs : c.rowMajor())
                    for (float v : vs)
                        if (ScoreKeys.matches(key(v), matchShift, matchValue)) counted[(int) ((key(v) >>> shift) & ((1 << bits) - 1))]++;
                assertArrayEquals(counted, multi, "pass " + Arrays.toString(pass));
                assertArrayEquals(single, multi, "pass " + Arrays.toString(pass));
            }
            long[] none = new long[1 << 4];
            b.scoreHistograms(List.of(), 0, 4, 32, 0, none);
            assertArrayEquals(new long[1 << 4], none);
        }
    }

    /** The masks by brute force over the views end to end; kept[0] receives the ties kept. */
    private static List<float[]> bruteForce(List<float[]> rows, float threshold, long budget, long[] kept) {
        List<float[]> out = new ArrayList<>();
        long left = budget;
        for (float[] vs : rows) {
            float[] m = new float[vs.length];
            for (int i = 0; i < vs.length; i++) {
                if (vs[i] > threshold) m[i] = 1;
                else if (vs[i] == threshold && left > 0) { m[i] = 1; left--; }
            }
            out.add(m);
        }
        kept[0] = budget - left;
        return out;
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void masksKeepTheFirstTiesInListThenIndexOrder(Device device) {
        try (var _ = Scope.open()) {
            Case c = scores(device, 12);
            Backend b = c.tensors().getFirst().backend();
            for (float threshold : new float[] {0.5f, 0f, 1f, 0.03f}) {
                long ties = 0;
                for (float[] vs : c.rowMajor()) for (float v : vs) if (v == threshold) ties++;
                for (long budget : new long[] {0, 1, 5_000, ties - 1, ties, Long.MAX_VALUE}) {
                    if (budget < 0) continue;
                    List<Tensor> masks = new ArrayList<>();
                    List<View> mv = new ArrayList<>();
                    for (Tensor t : c.tensors()) {
                        Tensor m = Tensor.full(t.shape(), 7, device);   // overwritten everywhere
                        masks.add(m);
                        mv.add(m.kernelView());
                    }
                    long[] want = new long[1];
                    List<float[]> expected = bruteForce(c.rowMajor(), threshold, budget, want);
                    long kept = b.masksFromScores(c.views(), mv, threshold, budget);
                    String what = "threshold " + threshold + ", budget " + budget;
                    assertEquals(want[0], kept, what);
                    assertEquals(Math.min(budget, ties), kept, what);
                    for (int i = 0; i < masks.size(); i++)
                        assertArrayEquals(expected.get(i), masks.get(i).contiguous().toFloatArray(), what + ", view " + i);
                }
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void aMaskMayOverwriteItsOwnScores(Device device) {
        try (var _ = Scope.open()) {
            float[] a = {2, 1, 2, 3, 2}, bb = {2, 0, 2};
            Tensor ta = Tensor.fromArray(a, device, 5), tb = Tensor.fromArray(bb, device, 3);
            Backend b = ta.backend();
            long kept = b.masksFromScores(List.of(ta.kernelView(), tb.kernelView()), List.of(ta.kernelView(), tb.kernelView()), 2f, 4);
            assertEquals(4, kept);
            assertArrayEquals(new float[] {1, 0, 1, 1, 1}, ta.toFloatArray());
            assertArrayEquals(new float[] {1, 0, 0}, tb.toFloatArray());
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void badScoresAndBadListsAreRefusedNamingThem(Device device) {
        try (var _ = Scope.open()) {
            Tensor ok = Tensor.fromArray(new float[] {1, 2, 3}, device, 3);
            Tensor bad = Tensor.fromArray(new float[] {1, 2, 3, 4, 5, -1, Float.NaN}, device, 7);
            Backend b = ok.backend();
            var e = assertThrows(IllegalArgumentException.class, () -> b.scoreHistograms(
                    List.of(ok.kernelView(), ok.kernelView(), bad.kernelView()), 16, 16, 32, 0, new long[1 << 16]));
            assertTrue(e.getMessage().startsWith("scoreHistograms: scores[2]") && e.getMessage().contains("flat index 5"),
                    e.getMessage());
            Tensor nan = Tensor.fromArray(new float[] {Float.NaN}, device, 1);
            e = assertThrows(IllegalArgumentException.class, () -> b.scoreHistograms(
                    List.of(ok.kernelView(), nan.kernelView()), 16, 16, 32, 0, new long[1 << 16]));
            assertTrue(e.getMessage().contains("scores[1]") && e.getMessage().contains("NaN"), e.getMessage());
            Tensor m = Tensor.zeros(Shape.of(3), device), m4 = Tensor.zeros(Shape.of(4), device);
            e = assertThrows(IllegalArgumentException.class, () -> b.masksFromScores(
                    List.of(ok.kernelView(), ok.kernelView()), List.of(m.kernelView(), m.kernelView()), 1f, 0));
            assertTrue(e.getMessage().contains("share memory"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.masksFromScores(
                    List.of(ok.kernelView()), List.of(m.kernelView(), m4.kernelView()), 1f, 0));
            assertTrue(e.getMessage().startsWith("masksFromScores: 1 score views but 2 masks"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.masksFromScores(
                    List.of(ok.kernelView()), List.of(m4.kernelView()), 1f, 0));
            assertTrue(e.getMessage().startsWith("masksFromScores: masks[0]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.masksFromScores(
                    List.of(ok.kernelView()), List.of(m.kernelView()), 1f, -1));
            assertTrue(e.getMessage().contains("tiesToKeep must be >= 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.scoreHistograms(List.of(ok.kernelView()), 0, 16, 32, 0, new long[10]));
            assertTrue(e.getMessage().contains("counts must have"), e.getMessage());
        }
    }
}
