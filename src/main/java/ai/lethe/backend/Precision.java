// The arithmetic of convolutions and matrix products (the backend SPI's matmul, conv2d, conv2dBackwardInput and
// conv2dBackwardWeight), as PyTorch users know it:
//   FP32  (default) exact float32 everywhere: inputs as they are, float32 (or better) accumulation;
//   TF32  the inputs of every conv/GEMM rounded to TF32 — float32's 8-bit exponent, 10 explicit mantissa bits, round to
//         nearest, ties to even — then multiplied exactly and accumulated in float32, float32 output
//         (torch.backends.cuda.matmul.allow_tf32 / cudnn.allow_tf32);
//   BF16  autocast: the inputs of every conv/GEMM rounded to bfloat16 (8-bit exponent, 7 explicit mantissa bits, round
//         to nearest even), float32 accumulation and float32 output (torch.autocast(dtype=torch.bfloat16) for
//         conv/linear/matmul, except that outputs stay float32 rather than being stored as bf16).
// Everything else — elementwise ops, reductions, softmax, norms, losses, optimizer steps and their state, the
// parameters themselves (float32 "master weights") and the Fisher/unlearning kernels — stays float32 in every mode.
// bf16 has float32's exponent range, so no loss scaling is needed (that is fp16's problem): a gradient too small for
// bf16 is too small for float32 too (bf16's smallest subnormal is 2^-133, float32's 2^-149).
//
// The setting is per thread and scoped, like torch.autocast: `try (var p = Precision.autocast(Precision.BF16)) {...}`
// applies to the conv/GEMM ops run on this thread until closed (closing restores the previous setting). Outside any
// scope the default applies: -Dlethe.precision, else the environment variable LETHE_PRECISION, else FP32. The tensor
// layer's backward rules for conv2d and matmul capture the precision of their forward, so a scope around the forward
// pass alone (as torch.autocast is used) also governs the gradients computed later by backward().
//
// Every backend honours the setting with the same rounding (float64 operands, on the ref backend, are never rounded):
// ref and cpu round the operands on the host before their float32 kernels (so ref is the oracle of the tolerance
// tests: its double accumulation over rounded operands is the exact result of the rounded problem); cuda-emu rounds
// in its kernels and before its OpenBLAS GEMM; cuda on a GPU uses TF32 tensor cores (cuBLAS math mode, cuDNN's
// default math type) and bf16 inputs to cublasGemmEx (see ai.lethe.backend.cuda.CudaLinalg and CudaNn). The rounding
// functions here are the definition every implementation is tested against.
package ai.lethe.backend;

import java.util.Locale;

/** The conv/GEMM precision setting. */
public enum Precision {
    /** Exact float32. */
    FP32("fp32", 23),
    /** Inputs rounded to TF32 (10 explicit mantissa bits), float32 accumulation and output. */
    TF32("tf32", 10),
    /** Inputs rounded to bfloat16 (7 explicit mantissa bits), float32 accumulation and output. */
    BF16("bf16", 7);

    public static final String PROPERTY = "lethe.precision";
    public static final String ENV = "LETHE_PRECISION";

    private static final ThreadLocal<Precision> CURRENT = new ThreadLocal<>();

    private final String cliName;
    private final int mantissaBits;

    Precision(String cliName, int mantissaBits) {
        this.cliName = cliName;
        this.mantissaBits = mantissaBits;
    }

    /** The name the CLI and the property take: fp32, tf32 or bf16. */
    public String cliName() { return cliName; }

    /** Explicit mantissa bits of the inputs: 23, 10 or 7. */
    public int mantissaBits() { return mantissaBits; }

    /** The unit roundoff of rounding an input to this format (round to nearest): 2^-(mantissaBits + 1); FP32 2^-24. */
    public double unitRoundoff() { return Math.scalb(1.0, -(mantissaBits + 1)); }

    /** The kernels' code for this setting (cuda-kernels: 0 = fp32, 1 = tf32, 2 = bf16). */
    public int code() { return ordinal(); }

    // ---- the setting ------------------------------------------------------------------------------------------

    /** The setting of this thread: the innermost open scope's, else {@link #defaultPrecision()}. */
    public static Precision current() {
        Precision p = CURRENT.get();
        return p != null ? p : defaultPrecision();
    }

    /**
     * The setting outside any scope: -Dlethe.precision, else LETHE_PRECISION, else FP32. An IllegalArgumentException
     * naming the source for any other value than fp32, tf32 or bf16.
     */
    public static Precision defaultPrecision() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) return parse(p, "-D" + PROPERTY);
        String e = System.getenv(ENV);
        if (e != null && !e.isBlank()) return parse(e, ENV);
        return FP32;
    }

    /** Where the default comes from, for `lethe info`: "fp32 (built-in)", "bf16 (-Dlethe.precision)", ... */
    public static String describeDefault() {
        String p = System.getProperty(PROPERTY), e = System.getenv(ENV);
        try {
            Precision d = defaultPrecision();
            String source = p != null && !p.isBlank() ? "-D" + PROPERTY : e != null && !e.isBlank() ? ENV : "built-in";
            return d.cliName + " (" + source + ")";
        } catch (IllegalArgumentException x) {
            return "unusable setting: " + x.getMessage();
        }
    }

    /** fp32, tf32 or bf16 (any case); an IllegalArgumentException naming {@code source} otherwise. */
    public static Precision parse(String value, String source) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        for (Precision p : values()) if (p.cliName.equals(v)) return p;
        throw new IllegalArgumentException(source + "=" + value + ": expected fp32, tf32 or bf16");
    }

    /** Sets this thread's precision until the returned scope is closed (then the previous setting is back). */
    public static Scope autocast(Precision precision) {
        if (precision == null) throw new IllegalArgumentException("Precision.autocast: precision is null");
        Precision previous = CURRENT.get();
        CURRENT.set(precision);
        return new Scope(previous, precision);
    }

    /** An open precision setting; close restores the one before it. Close scopes in the reverse order of opening. */
    public static final class Scope implements AutoCloseable {
        private final Precision previous;
        private final Precision precision;
        private boolean closed;

        private Scope(Precision previous, Precision precision) {
            this.previous = previous;
            this.precision = precision;
        }

        /** The precision this scope set. */
        public Precision precision() { return precision; }

        @Override public void close() {
            if (closed) return;
            closed = true;
            if (previous == null) CURRENT.remove();
            else CURRENT.set(previous);
        }
    }

    // ---- the rounding -----------------------------------------------------------------------------------------

    /** x rounded to this format (returned as the float32 of the same value): identity for FP32. */
    public float round(float x) {
        return switch (this) {
            case FP32 -> x;
            case TF32 -> roundToTf32(x);
            case BF16 -> Float.intBitsToFloat(bf16Bits(x) << 16);
        };
    }

    /**
     * The bfloat16 nearest to x (ties to even) as its 16 bits: the upper half of the float32 after rounding. NaN stays
     * a (quiet) NaN of x's sign, ±Inf stays ±Inf, a finite x beyond bf16's range rounds to ±Inf (as round to nearest
     * does), subnormals round like any other value.
     */
    public static int bf16Bits(float x) {
        int b = Float.floatToRawIntBits(x);
        if ((b & 0x7FFFFFFF) > 0x7F800000) return ((b >>> 16) | 0x0040) & 0xFFFF;   // NaN: keep sign, set the quiet bit
        int rounded = b + 0x7FFF + ((b >>> 16) & 1);
        return (rounded >>> 16) & 0xFFFF;
    }

    /** The float32 value of bf16 bits. */
    public static float fromBf16Bits(int bits) { return Float.intBitsToFloat((bits & 0xFFFF) << 16); }

    /** x rounded to TF32 (10 explicit mantissa bits, ties to even), as a float32 whose low 13 mantissa bits are 0. */
    public static float roundToTf32(float x) {
        int b = Float.floatToRawIntBits(x);
        if ((b & 0x7FFFFFFF) > 0x7F800000) return Float.intBitsToFloat((b | 0x00400000) & 0xFFFFE000);   // NaN stays a (quiet) NaN
        int rounded = b + 0xFFF + ((b >>> 13) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFFE000);
    }
}
