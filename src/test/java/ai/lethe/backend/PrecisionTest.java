// Precision's rounding against an independent definition — the two representable neighbours of x in the format
// (found by clearing and bumping the dropped mantissa bits), the nearer one chosen by exact arithmetic in double and a
// tie going to the even neighbour — over special values, the tie and overflow boundaries and a million random bit
// patterns; and the setting: scopes nest and restore, the default comes from -Dlethe.precision, bad values are named.
package ai.lethe.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PrecisionTest {
    @AfterEach void clear() { System.clearProperty(Precision.PROPERTY); }

    /** The nearest value with {@code bits} explicit mantissa bits (ties to even), by comparing both neighbours. */
    static float nearest(float x, int bits) {
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0) return x;
        int dropped = 23 - bits;
        int b = Float.floatToRawIntBits(x), mask = (1 << dropped) - 1;
        int down = b & ~mask, up = down + (1 << dropped);   // |down| <= |x| < |up| (up may be Inf's pattern)
        double dd = Math.abs((double) x - Float.intBitsToFloat(down));
        double du = Math.abs(Float.intBitsToFloat(up) - (double) x);
        if ((up & 0x7FFFFFFF) >= 0x7F800000) {   // up is Inf: overflow when x is at least halfway to the next step
            double half = Math.abs((double) Float.intBitsToFloat(down)) + Math.scalb(1.0, Math.getExponent(Float.intBitsToFloat(down)) - bits - 1);
            return Math.abs((double) x) >= half ? Math.copySign(Float.POSITIVE_INFINITY, x) : Float.intBitsToFloat(down);
        }
        if (dd < du) return Float.intBitsToFloat(down);
        if (du < dd) return Float.intBitsToFloat(up);
        return ((down >>> dropped) & 1) == 0 ? Float.intBitsToFloat(down) : Float.intBitsToFloat(up);
    }

    private static void check(float x) {
        assertEquals(Float.floatToIntBits(nearest(x, 10)), Float.floatToIntBits(Precision.TF32.round(x)), "tf32 of " + x);
        assertEquals(Float.floatToIntBits(nearest(x, 7)), Float.floatToIntBits(Precision.BF16.round(x)), "bf16 of " + x);
        assertEquals(Float.floatToIntBits(x), Float.floatToIntBits(Precision.FP32.round(x)), "fp32 of " + x);
        assertEquals(Precision.BF16.round(x), Precision.fromBf16Bits(Precision.bf16Bits(x)), "bf16 bits of " + x);
    }

    @Test void roundingIsToNearestWithTiesToEven() {
        float[] special = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 1 + 0x1p-9f + 0x1p-12f, -(1 + 3 * 0x1p-8f),
                Float.intBitsToFloat(0x7F7F8000), Float.intBitsToFloat(0x7F7F7FFF), Float.intBitsToFloat(0x7F7FF000),
                Float.intBitsToFloat(0x7F7FEFFF), Float.intBitsToFloat(0x00008000), Float.intBitsToFloat(0x00018000)};
        for (float x : special) check(x);
        // the literal cases the kernels' tests rely on
        assertEquals(1f, Precision.BF16.round(1 + 0x1p-8f), "a tie goes to the even neighbour (1)");
        assertEquals(1 + 0x1p-6f, Precision.BF16.round(1 + 3 * 0x1p-8f), "a tie goes to the even neighbour (1 + 2^-6)");
        assertEquals(1f, Precision.TF32.round(1 + 0x1p-11f));
        assertEquals(1 + 0x1p-9f, Precision.TF32.round(1 + 3 * 0x1p-11f));
        assertEquals(Float.POSITIVE_INFINITY, Precision.BF16.round(Float.MAX_VALUE), "beyond bf16's largest: Inf");
        Random r = new Random(5);
        for (int i = 0; i < 1_000_000; i++) {
            float x = Float.intBitsToFloat(r.nextInt());
            if (!Float.isNaN(x)) check(x);
        }
    }

    @Test void nanStaysAQuietNanOfItsSign() {
        for (int bits : new int[] {0x7F800001, 0xFF800001, 0x7FC00000, 0x7F801000, 0x7FFFFFFF}) {
            float x = Float.intBitsToFloat(bits);
            for (Precision p : Precision.values()) assertTrue(Float.isNaN(p.round(x)), p + " of NaN " + Integer.toHexString(bits));
            assertEquals(bits < 0, Float.floatToRawIntBits(Precision.BF16.round(x)) < 0, "sign");
            assertEquals(0, Float.floatToRawIntBits(Precision.TF32.round(x)) & 0x1FFF, "a TF32 value has 13 zero low bits");
        }
    }

    @Test void unitRoundoffs() {
        assertEquals(0x1p-24, Precision.FP32.unitRoundoff());
        assertEquals(0x1p-11, Precision.TF32.unitRoundoff());
        assertEquals(0x1p-8, Precision.BF16.unitRoundoff());
        assertEquals(0, Precision.FP32.code());
        assertEquals(1, Precision.TF32.code());
        assertEquals(2, Precision.BF16.code());
    }

    @Test void scopesNestAndRestore() {
        assertEquals(Precision.FP32, Precision.current());
        try (Precision.Scope a = Precision.autocast(Precision.BF16)) {
            assertEquals(Precision.BF16, Precision.current());
            try (Precision.Scope b = Precision.autocast(Precision.TF32)) {
                assertEquals(Precision.TF32, Precision.current());
                b.close();
                b.close();   // idempotent
                assertEquals(Precision.BF16, Precision.current());
            }
            assertEquals(Precision.BF16, Precision.current());
        }
        assertEquals(Precision.FP32, Precision.current());
        assertThrows(IllegalArgumentException.class, () -> Precision.autocast(null));
    }

    @Test void theSettingIsPerThread() throws Exception {
        try (Precision.Scope s = Precision.autocast(Precision.BF16)) {
            Precision[] seen = new Precision[1];
            Thread t = Thread.ofPlatform().start(() -> seen[0] = Precision.current());
            t.join();
            assertEquals(Precision.FP32, seen[0], "another thread keeps the default");
        }
    }

    @Test void theDefaultComesFromThePropertyAndBadValuesAreNamed() {
        System.setProperty(Precision.PROPERTY, "BF16");
        assertEquals(Precision.BF16, Precision.current());
        assertEquals("bf16 (-Dlethe.precision)", Precision.describeDefault());
        try (Precision.Scope s = Precision.autocast(Precision.FP32)) {
            assertEquals(Precision.FP32, Precision.current(), "a scope overrides the default");
        }
        System.setProperty(Precision.PROPERTY, "fp16");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Precision::current);
        assertEquals("-Dlethe.precision=fp16: expected fp32, tf32 or bf16", e.getMessage());
        assertTrue(Precision.describeDefault().startsWith("unusable setting"), Precision.describeDefault());
        System.clearProperty(Precision.PROPERTY);
        assertEquals(Precision.TF32, Precision.parse(" tf32 ", "--precision"));
    }
}
