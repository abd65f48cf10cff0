// The vector extensions this CPU and its OS support (native/cpu_check.c's lethe_cpu_features bits), and the
// OpenBLAS kernels that suit them, best first. The kernel is chosen from these flags, never from the CPU's
// model name: virtual machines report generic names and model numbers OpenBLAS's own tables do not know (on one
// such Intel Xeon, Debian's OpenBLAS 0.3.21 fell back to its "Prescott" kernels: a sixth of the speed).
package ai.lethe.backend.cpu;

import java.util.ArrayList;
import java.util.List;

public record CpuFeatures(boolean avx, boolean avx2, boolean fma, boolean avx512f, boolean avx512cd, boolean avx512bw,
                          boolean avx512dq, boolean avx512vl) {

    /** Decodes lethe_cpu_features's bit mask (the FEATURE_* enum of native/cpu_check.c). */
    static CpuFeatures fromBits(int bits) {
        return new CpuFeatures((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0, (bits & 16) != 0,
                (bits & 32) != 0, (bits & 64) != 0, (bits & 128) != 0);
    }

    /** The AVX-512 subsets OpenBLAS's SkylakeX kernels use (F, CD, BW, DQ, VL). */
    public boolean avx512() { return avx512f && avx512cd && avx512bw && avx512dq && avx512vl; }

    /** AVX2 with FMA: OpenBLAS's Haswell kernels (also what it runs on AMD Zen). */
    public boolean avx2Fma() { return avx && avx2 && fma; }

    /** The widest class of extensions present, as {@code lethe info} names it. */
    public String describe() {
        if (avx512()) return "AVX-512 (F, CD, BW, DQ, VL)";
        if (avx2Fma()) return "AVX2 + FMA";
        if (avx) return "AVX";
        return "SSE only";
    }

    /**
     * OpenBLAS core types (OPENBLAS_CORETYPE values) this CPU can run, fastest first: SKYLAKEX with AVX-512,
     * HASWELL with AVX2 + FMA, SANDYBRIDGE with AVX, and PRESCOTT (SSE3, every x86-64 CPU of the last 20 years)
     * as the last resort. Each is checked numerically before use; a failing one is replaced by the next.
     */
    public List<String> blasKernels() {
        List<String> kernels = new ArrayList<>();
        if (avx512()) kernels.add("SKYLAKEX");
        if (avx2Fma()) kernels.add("HASWELL");
        if (avx) kernels.add("SANDYBRIDGE");
        kernels.add("PRESCOTT");
        return List.copyOf(kernels);
    }
}
