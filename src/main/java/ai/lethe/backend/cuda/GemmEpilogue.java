// Whether the CUDA backend's linear layers add their bias in the GEMM's epilogue (DeviceRuntime.sgemmBias: cuBLASLt's
// CUBLASLT_EPILOGUE_BIAS on a GPU, the emulator's GEMM with the bias added before it returns) or after it, with
// linalg.cu's bias_add_rows_f32 kernel (one more launch and one more pass over the output). Chosen by the system
// property lethe.cuda.gemm-epilogue, else the environment variable LETHE_CUDA_GEMM_EPILOGUE:
//   auto (default) the epilogue where the runtime has one (the emulator always; a GPU when libcublasLt loads);
//   off            sgemm then the bias kernel everywhere.
// describe() is what `lethe info` prints for a cuda / cuda-emu backend.
package ai.lethe.backend.cuda;

import java.util.Locale;

/** The GEMM-epilogue switch. */
public final class GemmEpilogue {
    public static final String PROPERTY = "lethe.cuda.gemm-epilogue";
    public static final String ENV = "LETHE_CUDA_GEMM_EPILOGUE";
    /** The kernel that adds the bias where the GEMM does not (linalg.cu). */
    public static final String BIAS_KERNEL = "bias_add_rows_f32";

    /** The two settings. */
    public enum Mode { AUTO, OFF }

    private GemmEpilogue() {}

    /** The setting now (property, then environment, else AUTO); an IllegalArgumentException for any other value. */
    public static Mode mode() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) return parse(p, "-D" + PROPERTY);
        String e = System.getenv(ENV);
        if (e != null && !e.isBlank()) return parse(e, ENV);
        return Mode.AUTO;
    }

    static Mode parse(String value, String source) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> Mode.AUTO;
            case "off" -> Mode.OFF;
            default -> throw new IllegalArgumentException(source + "=" + value + ": expected auto or off");
        };
    }

    /** Which path a linear layer's bias takes on the runtime under the current setting, and why (for lethe info). */
    public static String describe(DeviceRuntime runtime) {
        try {
            mode();
        } catch (IllegalArgumentException e) {
            return "unusable setting: " + e.getMessage();
        }
        return runtime.gemmEpilogueStatus();
    }
}
