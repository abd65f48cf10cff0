// What the cpu backend's BLAS is: the library and its version, the kernel it runs and why that one, the kernels
// that failed the GEMM check (normally none), and OpenBLAS's threads per call. Shown by `lethe info` and
// recorded by the benchmarks.
package ai.lethe.backend.cpu;

import java.nio.file.Path;
import java.util.List;

/**
 * @param library        e.g. "OpenBLAS 0.3.31 (org.bytedeco:openblas 0.3.31-1.5.13)", or the file a user named
 * @param version        OpenBLAS's version ("0.3.31"), or "unknown" for another BLAS
 * @param kernel         the kernel OpenBLAS reports running (openblas_get_corename: "SkylakeX", "Haswell", ...)
 * @param choice         how it was chosen ("from the CPU's AVX-512 (F, CD, BW, DQ, VL) flags", "forced by ...")
 * @param rejected       kernels that failed the GEMM check, each with what it got wrong
 * @param threadsPerCall OpenBLAS's own threads (1: Lethe parallelises around it with OpenMP)
 * @param path           the library file loaded
 */
public record BlasInfo(String library, String version, String kernel, String choice, List<String> rejected,
                       int threadsPerCall, Path path) {
    public BlasInfo {
        rejected = List.copyOf(rejected);
    }

    /** One line: library, kernel, how it was chosen, threads, and any rejected kernel. */
    public String describe() {
        return library + ", kernel " + kernel + " (" + choice + "; GEMM check passed), " + threadsPerCall
                + (threadsPerCall == 1 ? " thread" : " threads") + " per call"
                + (rejected.isEmpty() ? "" : "; rejected: " + String.join("; ", rejected));
    }
}
