// Element conversions between the bytes of a safetensors file (little-endian, possibly unaligned: tensors follow
// one another with no padding) and host memory in the layout of a Lethe dtype (native order, aligned), used when
// a raw byte copy cannot do: a dtype change (F16 -> float32, I32 -> int64, float64 -> BF16, ...) or a big-endian
// host. Float -> int64 truncates toward zero (as Backend.copy and torch's .to(torch.int64)); int64 -> float
// rounds to nearest; float64 -> float32 rounds to nearest even.
package ai.lethe.io;

import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

final class ElementCodec {
    private ElementCodec() {}

    static final boolean LITTLE_ENDIAN_HOST = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether file elements of {@code file} are already host elements of {@code lethe} (a byte copy suffices). */
    static boolean isRawCopy(SafetensorsDType file, DType lethe) {
        return LITTLE_ENDIAN_HOST && file == SafetensorsDType.of(lethe);
    }

    // ---- file -> host -----------------------------------------------------------------------------------

    /** Converts {@code n} file elements of type {@code from} in {@code src} into host elements of {@code to} in {@code dst}. */
    static void decode(MemorySegment src, SafetensorsDType from, MemorySegment dst, DType to, long n) {
        if (to == DType.FLOAT32 && from == SafetensorsDType.F16) {
            for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, HalfFloats.halfToFloat(src.get(LE_SHORT, i * 2)));
        } else if (to == DType.FLOAT32 && from == SafetensorsDType.BF16) {
            for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, HalfFloats.bfloat16ToFloat(src.get(LE_SHORT, i * 2)));
        } else if (from.isFloatingPoint()) {
            switch (to) {
                case FLOAT32 -> { for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, readFloat(src, from, i)); }
                case FLOAT64 -> { for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_DOUBLE, i, readDouble(src, from, i)); }
                case INT64 -> { for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_LONG, i, (long) readDouble(src, from, i)); }
            }
        } else {
            switch (to) {
                case FLOAT32 -> { for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) readLong(src, from, i)); }
                case FLOAT64 -> { for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_DOUBLE, i, (double) readLong(src, from, i)); }
                case INT64 -> { for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_LONG, i, readLong(src, from, i)); }
            }
        }
    }

    /** Element {@code i} of a float file type as float32 (F64 rounds; the others are exact). */
    private static float readFloat(MemorySegment src, SafetensorsDType t, long i) {
        return switch (t) {
            case F32 -> src.get(LE_FLOAT, i * 4);
            case F16 -> HalfFloats.halfToFloat(src.get(LE_SHORT, i * 2));
            case BF16 -> HalfFloats.bfloat16ToFloat(src.get(LE_SHORT, i * 2));
            case F64 -> (float) src.get(LE_DOUBLE, i * 8);
            default -> throw new IllegalArgumentException("not a float type: " + t);
        };
    }

    /** Element {@code i} of a float file type as float64 (exact). */
    private static double readDouble(MemorySegment src, SafetensorsDType t, long i) {
        return t == SafetensorsDType.F64 ? src.get(LE_DOUBLE, i * 8) : readFloat(src, t, i);
    }

    /** Element {@code i} of an integer or BOOL file type as a long (U8 unsigned; BOOL 1 for any non-zero byte). */
    private static long readLong(MemorySegment src, SafetensorsDType t, long i) {
        return switch (t) {
            case I64 -> src.get(LE_LONG, i * 8);
            case I32 -> src.get(LE_INT, i * 4);
            case I16 -> src.get(LE_SHORT, i * 2);
            case I8 -> src.get(ValueLayout.JAVA_BYTE, i);
            case U8 -> src.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            case BOOL -> src.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            default -> throw new IllegalArgumentException("not an integer type: " + t);
        };
    }

    // ---- host -> file -----------------------------------------------------------------------------------

    /**
     * Converts {@code n} host elements of {@code from} in {@code src} into file elements of {@code to} in
     * {@code dst}. Supported: float32/float64 to F64, F32, F16, BF16; int64 to I64.
     */
    static void encode(MemorySegment src, DType from, MemorySegment dst, SafetensorsDType to, long n) {
        if (from == DType.INT64) {
            if (to != SafetensorsDType.I64) throw new IllegalArgumentException("int64 tensors are stored as I64, not " + to);
            for (long i = 0; i < n; i++) dst.set(LE_LONG, i * 8, src.getAtIndex(ValueLayout.JAVA_LONG, i));
            return;
        }
        if (from == DType.FLOAT32) {
            switch (to) {
                case F32 -> { for (long i = 0; i < n; i++) dst.set(LE_FLOAT, i * 4, src.getAtIndex(ValueLayout.JAVA_FLOAT, i)); }
                case F64 -> { for (long i = 0; i < n; i++) dst.set(LE_DOUBLE, i * 8, src.getAtIndex(ValueLayout.JAVA_FLOAT, i)); }
                case F16 -> { for (long i = 0; i < n; i++) dst.set(LE_SHORT, i * 2, HalfFloats.floatToHalf(src.getAtIndex(ValueLayout.JAVA_FLOAT, i))); }
                case BF16 -> { for (long i = 0; i < n; i++) dst.set(LE_SHORT, i * 2, HalfFloats.floatToBFloat16(src.getAtIndex(ValueLayout.JAVA_FLOAT, i))); }
                default -> throw new IllegalArgumentException("float32 tensors cannot be stored as " + to);
            }
            return;
        }
        // float64: narrower types round to float32 first, as PyTorch's conversions do
        switch (to) {
            case F64 -> { for (long i = 0; i < n; i++) dst.set(LE_DOUBLE, i * 8, src.getAtIndex(ValueLayout.JAVA_DOUBLE, i)); }
            case F32 -> { for (long i = 0; i < n; i++) dst.set(LE_FLOAT, i * 4, (float) src.getAtIndex(ValueLayout.JAVA_DOUBLE, i)); }
            case F16 -> { for (long i = 0; i < n; i++) dst.set(LE_SHORT, i * 2, HalfFloats.floatToHalf((float) src.getAtIndex(ValueLayout.JAVA_DOUBLE, i))); }
            case BF16 -> { for (long i = 0; i < n; i++) dst.set(LE_SHORT, i * 2, HalfFloats.floatToBFloat16((float) src.getAtIndex(ValueLayout.JAVA_DOUBLE, i))); }
            default -> throw new IllegalArgumentException("float64 tensors cannot be stored as " + to);
        }
    }
}
