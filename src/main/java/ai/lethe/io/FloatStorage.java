// How floating-point tensors are stored when written: as they are (float32 -> F32, float64 -> F64), or all as
// F32, F16 or BF16 (rounded to nearest even, as torch's .float()/.half()/.bfloat16(); see HalfFloats). int64
// tensors are always stored as I64.
package ai.lethe.io;

import ai.lethe.core.DType;

public enum FloatStorage {
    /** float32 as F32, float64 as F64: bit-exact. */
    KEEP,
    /** Every float tensor as F32 (float64 rounds). */
    F32,
    /** Every float tensor as IEEE half precision (F16): half the size of F32, range ±65504. */
    F16,
    /** Every float tensor as bfloat16 (BF16): half the size of F32, float32's range, 8 significant bits. */
    BF16;

    /** The file type a tensor of {@code dtype} is written as. */
    public SafetensorsDType fileType(DType dtype) {
        if (!dtype.isFloatingPoint() || this == KEEP) return SafetensorsDType.of(dtype);
        return switch (this) {
            case F32 -> SafetensorsDType.F32;
            case F16 -> SafetensorsDType.F16;
            case BF16 -> SafetensorsDType.BF16;
            case KEEP -> throw new AssertionError();
        };
    }
}
