// HalfFloats over every 16-bit pattern: widening is exact and narrowing gives the same bits back (NaNs come back
// as the quiet NaN of their sign), and narrowing rounds to nearest with ties to even around every representable
// value (checked against the midpoints between neighbours, computed in double).
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    @Test void everyHalfRoundTripsThroughFloat() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = HalfFloats.halfToFloat(h);
            boolean nan = (bits & 0x7C00) == 0x7C00 && (bits & 0x03FF) != 0;
            assertEquals(nan, Float.isNaN(f), "NaN-ness of 0x" + Integer.toHexString(bits));
            short back = HalfFloats.floatToHalf(f);
            assertEquals(nan ? (short) ((bits & 0x8000) | 0x7E00) : h, back, "0x" + Integer.toHexString(bits));
        }
    }

    @Test void everyBfloat16RoundTripsThroughFloat() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short b = (short) bits;
            float f = HalfFloats.bfloat16ToFloat(b);
            assertEquals(bits << 16, Float.floatToRawIntBits(f));
            boolean nan = (bits & 0x7F80) == 0x7F80 && (bits & 0x007F) != 0;
            assertEquals(nan ? (short) ((bits & 0x8000) | 0x7FC0) : b, HalfFloats.floatToBFloat16(f), "0x" + Integer.toHexString(bits));
        }
    }

    @Test void narrowingRoundsMidpointsToEven() {
        // between consecutive positive finite halves a < b: the midpoint goes to the one with an even last bit,
        // anything just above goes up, just below goes down
        for (int bits = 0; bits < 0x7BFF; bits++) {
            double a = HalfFloats.halfToFloat((short) bits), b = HalfFloats.halfToFloat((short) (bits + 1));
            float mid = (float) ((a + b) / 2); // exact: halves have 11 significant bits
            assertEquals((double) mid, (a + b) / 2);
            short even = (short) ((bits & 1) == 0 ? bits : bits + 1);
            assertEquals(even, HalfFloats.floatToHalf(mid), "midpoint after 0x" + Integer.toHexString(bits));
            assertEquals((short) (bits + 1), HalfFloats.floatToHalf(Math.nextUp(mid)));
            assertEquals((short) bits, HalfFloats.floatToHalf(Math.nextDown(mid)));
            assertEquals((short) (bits | 0x8000), HalfFloats.floatToHalf((float) -a));
        }
        for (int bits = 0; bits < 0x7F7F; bits++) {
            float a = HalfFloats.bfloat16ToFloat((short) bits), b = HalfFloats.bfloat16ToFloat((short) (bits + 1));
            float mid = Float.intBitsToFloat((Float.floatToRawIntBits(a) + Float.floatToRawIntBits(b)) >>> 1);
            short even = (short) ((bits & 1) == 0 ? bits : bits + 1);
            assertEquals(even, HalfFloats.floatToBFloat16(mid), "bfloat16 midpoint after 0x" + Integer.toHexString(bits));
            assertEquals((short) (bits + 1), HalfFloats.floatToBFloat16(Math.nextUp(mid)));
            assertEquals((short) bits, HalfFloats.floatToBFloat16(Math.nextDown(mid)));
        }
    }

    @Test void overflowAndSpecialValues() {
        assertEquals((short) 0x7BFF, HalfFloats.floatToHalf(65519.996f));
        assertEquals((short) 0x7C00, HalfFloats.floatToHalf(65520f));
        assertEquals((short) 0xFC00, HalfFloats.floatToHalf(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0x8000, HalfFloats.floatToHalf(-0f));
        assertEquals((short) 0x8000, HalfFloats.floatToHalf(-1e-30f));
        assertEquals((short) 0x0001, HalfFloats.floatToHalf(0x1p-24f));
        assertEquals((short) 0xFE00, HalfFloats.floatToHalf(Float.intBitsToFloat(0xFFC00000)));
        assertEquals((short) 0x7F80, HalfFloats.floatToBFloat16(Float.MAX_VALUE));
        assertEquals((short) 0xFF80, HalfFloats.floatToBFloat16(-Float.MAX_VALUE));
        assertEquals((short) 0x8000, HalfFloats.floatToBFloat16(-Float.MIN_VALUE));
        assertEquals((short) 0x7FC0, HalfFloats.floatToBFloat16(Float.NaN));
        assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBFloat16(Float.intBitsToFloat(0x7F800001)))),
                "a NaN whose payload lies only in the low bits stays NaN");
    }
}
