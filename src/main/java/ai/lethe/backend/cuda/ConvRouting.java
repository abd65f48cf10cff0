// Which implementation runs the CUDA backend's convolutions: cuDNN (through the runtime's cudnn() capability) or
// Lethe's own kernels (cuda-kernels/conv.cu). Chosen per op by the system property lethe.cuda.conv, else the
// environment variable LETHE_CUDA_CONV:
//   auto    (default) cuDNN when the runtime has it and supports the geometry, else the kernels;
//   cudnn   cuDNN, and an error naming why when the runtime has none (or it cannot run the geometry);
//   kernels Lethe's kernels even where cuDNN is present.
// describe() is what `lethe info` prints for a cuda / cuda-emu backend.
package ai.lethe.backend.cuda;

import java.util.Locale;

/** The convolution path switch. */
public final class ConvRouting {
    public static final String PROPERTY = "lethe.cuda.conv";
    public static final String ENV = "LETHE_CUDA_CONV";

    /** The three settings. */
    public enum Mode { AUTO, CUDNN, KERNELS }

    private ConvRouting() {}

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
            case "cudnn" -> Mode.CUDNN;
            case "kernels" -> Mode.KERNELS;
            default -> throw new IllegalArgumentException(source + "=" + value + ": expected auto, cudnn or kernels");
        };
    }

    /** Which path the runtime's convolutions take under the current setting, and why (for lethe info). */
    public static String describe(DeviceRuntime runtime) {
        Mode mode;
        try {
            mode = mode();
        } catch (IllegalArgumentException e) {
            return "unusable setting: " + e.getMessage();
        }
        boolean present = runtime.cudnn().isPresent();  // creates the handle: a failure to is the reason below
        String status = runtime.cudnnStatus();
        return switch (mode) {
            case KERNELS -> "Lethe's kernels (" + PROPERTY + "=kernels" + (present ? "; " + status + " is present)" : "; " + status + ")");
            case CUDNN -> present ? status + " (" + PROPERTY + "=cudnn)"
                    : "none: " + PROPERTY + "=cudnn but cuDNN is not available (" + status + ")";
            case AUTO -> present ? status + ", Lethe's kernels for geometries it does not support"
                    : "Lethe's kernels (" + status + ")";
        };
    }
}
