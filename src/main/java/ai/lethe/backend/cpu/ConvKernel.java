// Which code the cpu backend's 3x3-style convolutions run (native/conv_direct.c): AUTO picks, per layer, the
// direct kernels with the widest instruction set the CPU has (AVX-512F, else AVX2 + FMA, else generic C) where
// they were measured faster, im2col + GEMM or Winograd elsewhere; GEMM never runs a direct kernel; GENERIC, AVX2
// and AVX512 run the direct kernels with that instruction set for every convolution they can compute (the parity
// tests use them to check each path the machine supports). Set with -Dlethe.conv.kernel=NAME or
// LETHE_CONV_KERNEL=NAME (lower-case names); the instruction set is chosen from CPU feature flags, never from the
// CPU's model name.
package ai.lethe.backend.cpu;

import java.util.Locale;

public enum ConvKernel {
    AUTO(0), GEMM(1), GENERIC(2), AVX2(3), AVX512(4);

    /** The KERNEL_* code of native/conv_direct.c. */
    final int code;

    ConvKernel(int code) { this.code = code; }

    /** The lower-case name LETHE_CONV_KERNEL and -Dlethe.conv.kernel take. */
    public String settingName() { return name().toLowerCase(Locale.ROOT); }

    /** Whether a CPU with {@code features} can run this kernel. */
    public boolean runsOn(CpuFeatures features) {
        return switch (this) {
            case AUTO, GEMM, GENERIC -> true;
            case AVX2 -> features.avx2Fma();
            case AVX512 -> features.avx512f();
        };
    }

    static ConvKernel ofCode(int code) {
        for (ConvKernel k : values()) if (k.code == code) return k;
        throw new IllegalStateException("unknown convolution kernel code " + code + " from liblethe_cpu");
    }

    /** The kernel named {@code name} (case-insensitive), or an IllegalArgumentException naming the choices. */
    public static ConvKernel parse(String name, String setting) {
        for (ConvKernel k : values()) if (k.settingName().equals(name.strip().toLowerCase(Locale.ROOT))) return k;
        throw new IllegalArgumentException(setting + ": unknown convolution kernel '" + name
                + "' (known: auto, gemm, generic, avx2, avx512)");
    }
}
