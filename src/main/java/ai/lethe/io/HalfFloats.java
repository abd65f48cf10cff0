// Conversions between float32 and the two 16-bit float formats safetensors files carry: IEEE binary16 (F16) and
// bfloat16 (BF16). Narrowing rounds to nearest, ties to even, exactly as PyTorch's .half() and .bfloat16():
// overflow gives ±infinity, tiny values give subnormals or ±0, and the sign of zero is kept. A NaN becomes the
// quiet NaN with the same sign (F16 0x7E00, BF16 0x7FC0, sign bit added) — PyTorch's scalar conversions give
// these for the default NaN, while its vectorised bfloat16 path writes 0xFFFF; payloads are not kept. Widening
// to float32 is exact. A float64 is first rounded to float32, as PyTorch does for .half() of a double tensor.
package ai.lethe.io;

public final class HalfFloats {
    private HalfFloats() {}

    /** The binary16 bits nearest to {@code f} (ties to even). */
    public static short floatToHalf(float f) {
        if (Float.isNaN(f)) return (short) (((Float.floatToRawIntBits(f) >>> 16) & 0x8000) | 0x7E00);
        return Float.floatToFloat16(f);
    }

    /** The float32 value of binary16 bits {@code h} (exact). */
    public static float halfToFloat(short h) { return Float.float16ToFloat(h); }

    /** The bfloat16 bits nearest to {@code f} (ties to even), as c10::BFloat16's round_to_nearest_even. */
    public static short floatToBFloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) (((bits >>> 16) & 0x8000) | 0x7FC0);
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** The float32 value of bfloat16 bits {@code b} (exact: the upper half of a float32). */
    public static float bfloat16ToFloat(short b) { return Float.intBitsToFloat((b & 0xFFFF) << 16); }
}
