// The element types a safetensors file can hold that Lethe reads and writes, with their header codes ("F32",
// "BF16", ...), byte sizes, and the Lethe dtype each one is read into by default (floats narrower than 64 bits
// become float32, F64 float64, every integer type and BOOL int64). Codes not listed here (F8_*, U16, U32, U64,
// C64, ...) are rejected by the reader with a message naming them.
package ai.lethe.io;

import ai.lethe.core.DType;
import java.util.Optional;

public enum SafetensorsDType {
    F64(8, true, DType.FLOAT64),
    F32(4, true, DType.FLOAT32),
    F16(2, true, DType.FLOAT32),
    BF16(2, true, DType.FLOAT32),
    I64(8, false, DType.INT64),
    I32(4, false, DType.INT64),
    I16(2, false, DType.INT64),
    I8(1, false, DType.INT64),
    U8(1, false, DType.INT64),
    BOOL(1, false, DType.INT64);

    private final int byteSize;
    private final boolean floatingPoint;
    private final DType letheDType;

    SafetensorsDType(int byteSize, boolean floatingPoint, DType letheDType) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
        this.letheDType = letheDType;
    }

    /** Bytes per element in the file. */
    public int byteSize() { return byteSize; }

    public boolean isFloatingPoint() { return floatingPoint; }

    /** The Lethe dtype {@link SafetensorsFile#tensor(String, ai.lethe.core.Device)} makes from this type. */
    public DType letheDType() { return letheDType; }

    /** The header code ("F32", "BF16", ...): the constant's name. */
    public String code() { return name(); }

    /** The type whose header code is exactly {@code code} (case-sensitive, as in the format), if Lethe knows it. */
    public static Optional<SafetensorsDType> fromCode(String code) {
        for (SafetensorsDType t : values()) if (t.name().equals(code)) return Optional.of(t);
        return Optional.empty();
    }

    /** The type a Lethe tensor of {@code dtype} is stored as when nothing else is asked for (F32, F64, I64). */
    public static SafetensorsDType of(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> F32;
            case FLOAT64 -> F64;
            case INT64 -> I64;
        };
    }

    /** Every code Lethe reads, for messages: "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL". */
    static String knownCodes() {
        StringBuilder sb = new StringBuilder();
        for (SafetensorsDType t : values()) sb.append(sb.isEmpty() ? "" : ", ").append(t.name());
        return sb.toString();
    }
}
