// That TF32 and bf16 really round the conv/GEMM operands, to nearest with ties to even, on every backend (ref, cpu,
// cuda-emu): operands made of values whose rounding is known by hand, multiplied by all-ones partners over 64 terms,
// so every sum is exact in float32 and each result is exactly 64 × the rounded value — a no-op, truncation or
// round-half-away each give other numbers. The values (v → TF32, bf16):
//   1 + 2^-8           → 1 + 2^-8 (exact),  1        (a bf16 tie: even neighbour 1)
//   1 + 3·2^-8         → exact,             1 + 2^-6 (a bf16 tie: even neighbour 1 + 2^-6, not 1 + 2^-7)
//   1 + 2^-11          → 1 (a TF32 tie),    1
//   1 + 3·2^-11        → 1 + 2^-9 (a TF32 tie: even neighbour), 1
//   1 + 2^-9 + 2^-12   → 1 + 2^-9,          1
//   −(1 + 3·2^-8)      → exact,             −(1 + 2^-6)
// Each op is checked with the values on either operand (both are rounded). On a GPU (`cuda`, device-check) the TF32
// operands are converted by the tensor cores, whose rounding NVIDIA does not document: there TF32 may also give the
// truncated values (1 + 3·2^-11 → 1 + 2^-10) or round half away (1 + 2^-11 → 1 + 2^-10); bf16 is rounded by our kernel.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Precision;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrecisionRoundingAppliedTest {
    static final float[] VALUES = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 1 + 0x1p-9f + 0x1p-12f,
            -(1 + 3 * 0x1p-8f)};
    static final float[] TF32 = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1, 1 + 0x1p-9f, 1 + 0x1p-9f, -(1 + 3 * 0x1p-8f)};
    static final float[] BF16 = {1, 1 + 0x1p-6f, 1, 1, 1, -(1 + 0x1p-6f)};
    /** What TF32 tensor cores may give instead: truncation, and round half away from zero. */
    static final float[] TF32_TRUNCATED = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1, 1 + 0x1p-10f, 1 + 0x1p-9f, -(1 + 3 * 0x1p-8f)};
    static final float[] TF32_HALF_AWAY = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1 + 0x1p-10f, 1 + 0x1p-9f, 1 + 0x1p-9f, -(1 + 3 * 0x1p-8f)};
    static final int K = 64;

    private final List<Storage> storages = new ArrayList<>();

    @AfterEach void release() {
        for (Storage s : storages) if (!s.isFreed()) s.release();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        List<String> devices = new ArrayList<>(List.of("ref"));
        devices.addAll(PrecisionToleranceTest.devices());
        for (String device : devices)
            for (Precision p : Precision.values()) out.add(Arguments.of(device, p));
        return out.stream();
    }

    /** 64 × the rounded value of each of VALUES. */
    static float[] expected(Precision p) {
        return times(switch (p) {
            case FP32 -> VALUES;
            case TF32 -> TF32;
            case BF16 -> BF16;
        });
    }

    private static float[] times(float[] r) {
        float[] e = new float[r.length];
        for (int i = 0; i < r.length; i++) e[i] = K * r[i];
        return e;
    }

    /** got equals layout(w) for one of wants (the first is the rounding to nearest even, reported on failure). */
    private static void assertOneOf(List<float[]> wants, java.util.function.UnaryOperator<float[]> layout, float[] got, String what) {
        for (float[] w : wants) if (Arrays.equals(layout.apply(w), got)) return;
        assertArrayEquals(layout.apply(wants.getFirst()), got, what);
    }

    private View put(Backend b, long[] shape, float[] values) {
        Storage s = b.allocate(Math.max(1, values.length) * 4L);
        storages.add(s);
        View v = View.contiguous(s, DType.FLOAT32, Shape.of(shape));
        b.write(MemorySegment.ofArray(values), v);
        return v;
    }

    private static float[] ones(long n) {
        float[] o = new float[Math.toIntExact(n)];
        Arrays.fill(o, 1f);
        return o;
    }

    private static float[] get(Backend b, View v) {
        float[] out = new float[Math.toIntExact(v.numel())];
        b.read(v, MemorySegment.ofArray(out));
        return out;
    }

    /** f(i) for i < n, the value index of element i given by index(i). */
    private static float[] pattern(long n, java.util.function.LongUnaryOperator index) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = VALUES[(int) index.applyAsLong(i)];
        return v;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void theOperandsAreRoundedToNearestEven(String name, Precision p) {
        Backend b = PrecisionToleranceTest.device(name);
        int v = VALUES.length;
        List<float[]> wants = new ArrayList<>(List.of(expected(p)));
        if (PrecisionToleranceTest.hardwareTf32(b, p)) {
            wants.add(times(TF32_TRUNCATED));
            wants.add(times(TF32_HALF_AWAY));
        }
        try (Precision.Scope s = Precision.autocast(p)) {
            // matmul: a [6, 64] with row i = VALUES[i], b = ones [64, 3] -> out[i, j] = 64 · round(VALUES[i])
            View out = put(b, new long[] {v, 3}, new float[v * 3]);
            b.matmul(put(b, new long[] {v, K}, pattern((long) v * K, i -> i / K)), put(b, new long[] {K, 3}, ones(K * 3)), out, 1, 0);
            assertOneOf(wants, w -> column(w, 3), get(b, out), "matmul, values in A, on " + name + " at " + p);
            // the values in B: ones [3, 64] @ b [64, 6] with column j = VALUES[j] -> out[i, j] = 64 · round(VALUES[j])
            out = put(b, new long[] {3, v}, new float[3 * v]);
            b.matmul(put(b, new long[] {3, K}, ones(3 * K)), put(b, new long[] {K, v}, pattern((long) K * v, i -> i % v)), out, 1, 0);
            assertOneOf(wants, w -> row(w, 3), get(b, out), "matmul, values in B, on " + name + " at " + p);

            // conv2d 1x1: x [1, 64, 2, 3] with x[0, c, pos] = VALUES[pos], w = ones [2, 64, 1, 1] -> y[0, k, pos] = 64 · round
            Conv2dGeometry g = new Conv2dGeometry(1, K, 2, 3, 2, 1, 1, 1, 1, 0, 0, 1, 1);
            View y = put(b, new long[] {1, 2, 2, 3}, new float[12]);
            b.conv2d(put(b, new long[] {1, K, 2, 3}, pattern(K * 6L, i -> i % 6)), put(b, new long[] {2, K, 1, 1}, ones(2 * K)),
                    null, y, g);
            assertOneOf(wants, w -> row(w, 2), get(b, y), "conv2d, values in x, on " + name + " at " + p);
            // values in w: x = ones [1, 64, 1, 1], w [6, 64, 1, 1] with w[k, c] = VALUES[k] -> y[0, k] = 64 · round
            Conv2dGeometry g1 = new Conv2dGeometry(1, K, 1, 1, v, 1, 1, 1, 1, 0, 0, 1, 1);
            y = put(b, new long[] {1, v, 1, 1}, new float[v]);
            b.conv2d(put(b, new long[] {1, K, 1, 1}, ones(K)), put(b, new long[] {v, K, 1, 1}, pattern((long) v * K, i -> i / K)),
                    null, y, g1);
            assertOneOf(wants, w -> w, get(b, y), "conv2d, values in w, on " + name + " at " + p);

            // input gradient: dy [1, 64, 2, 3] with dy[0, k, pos] = VALUES[pos], w = ones [64, 2, 1, 1] -> dx[0, c, pos]
            Conv2dGeometry gi = new Conv2dGeometry(1, 2, 2, 3, K, 1, 1, 1, 1, 0, 0, 1, 1);
            View dx = put(b, new long[] {1, 2, 2, 3}, new float[12]);
            b.conv2dBackwardInput(put(b, new long[] {1, K, 2, 3}, pattern(K * 6L, i -> i % 6)), put(b, new long[] {K, 2, 1, 1}, ones(2 * K)),
                    dx, gi);
            assertOneOf(wants, w -> row(w, 2), get(b, dx), "conv2dBackwardInput, values in dy, on " + name + " at " + p);
            // values in w: dy = ones [1, 64, 1, 1], w [64, 6, 1, 1] with w[k, c] = VALUES[c] -> dx[0, c] = 64 · round
            Conv2dGeometry gw = new Conv2dGeometry(1, v, 1, 1, K, 1, 1, 1, 1, 0, 0, 1, 1);
            dx = put(b, new long[] {1, v, 1, 1}, new float[v]);
            b.conv2dBackwardInput(put(b, new long[] {1, K, 1, 1}, ones(K)), put(b, new long[] {K, v, 1, 1}, pattern((long) K * v, i -> i % v)),
                    dx, gw);
            assertOneOf(wants, w -> w, get(b, dx), "conv2dBackwardInput, values in w, on " + name + " at " + p);

            // weight gradient: dy [1, 6, 8, 8] with dy[0, k, :, :] = VALUES[k], x = ones [1, 2, 8, 8] -> dw[k, c] = 64 · round
            Conv2dGeometry gd = new Conv2dGeometry(1, 2, 8, 8, v, 1, 1, 1, 1, 0, 0, 1, 1);
            View dw = put(b, new long[] {v, 2, 1, 1}, new float[v * 2]);
            b.conv2dBackwardWeight(put(b, new long[] {1, v, 8, 8}, pattern(v * 64L, i -> i / 64)), put(b, new long[] {1, 2, 8, 8}, ones(128)),
                    dw, gd);
            assertOneOf(wants, w -> column(w, 2), get(b, dw), "conv2dBackwardWeight, values in dy, on " + name + " at " + p);
            // values in x: dy = ones [1, 2, 8, 8], x [1, 6, 8, 8] with x[0, c, :, :] = VALUES[c] -> dw[k, c] = 64 · round
            Conv2dGeometry gx = new Conv2dGeometry(1, v, 8, 8, 2, 1, 1, 1, 1, 0, 0, 1, 1);
            dw = put(b, new long[] {2, v, 1, 1}, new float[2 * v]);
            b.conv2dBackwardWeight(put(b, new long[] {1, 2, 8, 8}, ones(128)), put(b, new long[] {1, v, 8, 8}, pattern(v * 64L, i -> i / 64)),
                    dw, gx);
            assertOneOf(wants, w -> row(w, 2), get(b, dw), "conv2dBackwardWeight, values in x, on " + name + " at " + p);
        }
    }

    /** want[i] repeated across `times` columns: [len, times] row-major. */
    private static float[] column(float[] want, int times) {
        float[] o = new float[want.length * times];
        for (int i = 0; i < want.length; i++) Arrays.fill(o, i * times, (i + 1) * times, want[i]);
        return o;
    }

    /** want repeated `times` rows: [times, len] row-major. */
    private static float[] row(float[] want, int times) {
        float[] o = new float[want.length * times];
        for (int r = 0; r < times; r++) System.arraycopy(want, 0, o, r * want.length, want.length);
        return o;
    }
}
