// GlobalTopK against a sort-based reference: on 11.2M scores (ResNet18's size) in several tensors, with heavy
// ties (scores quantised to 1,000 values) and exact zeros, keepLargest keeps exactly k entries — every score
// above the k-th largest, and the first of the ties in tensor order then flat index — and pruneSmallest keeps
// round((1 - s)·N). Also k = 0, k = N, a single value everywhere, and bad input (negative/NaN scores, k out of
// range, sparsity outside [0, 1)). On every available device.
package ai.lethe.kernels;

import static org.junit.jupiter.api.Assertions.*;

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

class GlobalTopKTest {
    static List<Device> devices() { return TestBackends.devices(); }

    // Sizes of ResNet18's conv weights would do; these are awkward on purpose (primes, 1-element tensors).
    private static final int[] SIZES = {1_728, 36_863, 1, 2_359_296, 4_718_591, 4_100_003, 7};

    private static float[][] scores(long seed, int levels, double zeroShare) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] s = new float[SIZES.length][];
        for (int t = 0; t < SIZES.length; t++) {
            s[t] = new float[SIZES[t]];
            for (int i = 0; i < SIZES[t]; i++)
                s[t][i] = r.nextDouble() < zeroShare ? 0f : (float) (r.nextInt(levels) + 1) / levels;
        }
        return s;
    }

    /** The expected masks, from a full sort of the scores: keep > t, then the first (k - above) ties. */
    private static float[][] expected(float[][] s, long k) {
        int total = Arrays.stream(s).mapToInt(a -> a.length).sum();
        float[] all = new float[total];
        int o = 0;
        for (float[] a : s) { System.arraycopy(a, 0, all, o, a.length); o += a.length; }
        Arrays.sort(all);
        float[][] m = new float[s.length][];
        if (k == 0) {
            for (int t = 0; t < s.length; t++) m[t] = new float[s[t].length];
            return m;
        }
        float kth = all[total - (int) k];
        long above = 0;
        for (float v : all) if (v > kth) above++;
        long ties = k - above;
        for (int t = 0; t < s.length; t++) {
            m[t] = new float[s[t].length];
            for (int i = 0; i < s[t].length; i++) {
                float v = s[t][i];
                if (v > kth) m[t][i] = 1;
                else if (v == kth && ties > 0) { m[t][i] = 1; ties--; }
            }
        }
        return m;
    }

    private static List<Tensor> tensors(float[][] s, Device d) {
        List<Tensor> out = new ArrayList<>();
        for (float[] a : s) out.add(Tensor.fromArray(a, d, a.length));
        return out;
    }

    private static void assertMasks(float[][] want, List<Tensor> got, long k) {
        long ones = 0;
        for (int t = 0; t < want.length; t++) {
            float[] g = got.get(t).toFloatArray();
            assertArrayEquals(want[t], g, "tensor " + t);
            for (float v : g) ones += (long) v;
        }
        assertEquals(k, ones, "exactly k kept");
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void keepsExactlyKOnElevenMillionTiedScores(Device device) {
        float[][] s = scores(7, 1000, 0.05);
        long total = Arrays.stream(s).mapToLong(a -> a.length).sum();
        try (var _ = Scope.open()) {
            List<Tensor> t = tensors(s, device);
            for (long k : new long[] {0, 1, 557_131, total / 20, total - 3, total}) {
                try (var _ = Scope.open()) {
                    assertMasks(expected(s, k), GlobalTopK.keepLargest(t, k), k);
                }
            }
            long k95 = Math.round(0.05 * total);
            try (var _ = Scope.open()) {
                assertMasks(expected(s, k95), GlobalTopK.pruneSmallest(t, 0.95), k95);
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void allEqualScoresKeepTheFirstKInOrder(Device device) {
        try (var _ = Scope.open()) {
            List<Tensor> t = List.of(Tensor.full(Shape.of(3, 5), 2, device), Tensor.full(Shape.of(4), 2, device));
            List<Tensor> m = GlobalTopK.keepLargest(t, 17);
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, m.get(0).toFloatArray());
            assertArrayEquals(new float[] {1, 1, 0, 0}, m.get(1).toFloatArray());
            assertEquals(Shape.of(3, 5), m.get(0).shape());
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void badInputIsRefusedNamingIt(Device device) {
        try (var _ = Scope.open()) {
            List<Tensor> ok = List.of(Tensor.fromArray(new float[] {1, 2, 3}, device, 3));
            var e = assertThrows(IllegalArgumentException.class, () -> GlobalTopK.keepLargest(ok, 4));
            assertTrue(e.getMessage().contains("k must be in [0, 3]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> GlobalTopK.keepLargest(ok, -1));
            for (double s : new double[] {-0.1, 1, 1.5, Double.NaN}) {
                e = assertThrows(IllegalArgumentException.class, () -> GlobalTopK.pruneSmallest(ok, s));
                assertTrue(e.getMessage().contains("sparsity must be in [0, 1)"), e.getMessage());
            }
            List<Tensor> negative = List.of(Tensor.fromArray(new float[] {1, -2, 3}, device, 3));
            assertThrows(IllegalArgumentException.class, () -> GlobalTopK.keepLargest(negative, 1));
            List<Tensor> nan = List.of(Tensor.fromArray(new float[] {1, Float.NaN, 3}, device, 3));
            assertThrows(IllegalArgumentException.class, () -> GlobalTopK.keepLargest(nan, 1));
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void pruningScoresAreMagnitudeAndSynflowProducts(Device device) {
        try (var _ = Scope.open()) {
            Tensor w = Tensor.fromArray(new float[] {-2, 0, 3, -0.5f}, device, 2, 2);
            Tensor g = Tensor.fromArray(new float[] {1, 5, -2, 4}, device, 2, 2);
            assertArrayEquals(new float[] {2, 0, 3, 0.5f}, Pruning.magnitudeScores(w).toFloatArray());
            assertArrayEquals(new float[] {2, 0, 6, 2}, Pruning.synflowScores(w, g).toFloatArray());
            Tensor wrong = Tensor.fromArray(new float[] {1, 2}, device, 2);
            assertThrows(IllegalArgumentException.class, () -> Pruning.synflowScores(w, wrong));
        }
    }
}
