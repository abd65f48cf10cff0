// tools/check-test-report, CI's verdict on a test run's coverage, against made-up reports: it passes a run on
// ref, cpu and cuda-emu whose only skips need a GPU (and lists the conformance cases passed as known missing), and
// fails — saying why — when the cpu or cuda-emu backend did not run, when a test skipped for another reason
// (missing data, say), or when there is no report at all.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CiReportCheckTest {
    private static final Path SCRIPT = Path.of("tools/check-test-report").toAbsolutePath();
    private static final String REF = "ref\tran\texpected\tpure Java reference kernels (slow)";
    private static final String CPU = "cpu\tran\texpected\tnative kernels (OpenMP, 2 threads) from /x/liblethe_cpu.so";
    private static final String CPU_ABSENT = "cpu\tabsent\toptional\tnative library not built: gcc not found on PATH";
    private static final String EMU = "cuda-emu\tran\texpected\tCUDA emulator (/x/liblethe_cudaemu.so, 20 kernels)";
    private static final String EMU_ABSENT = "cuda-emu\tabsent\toptional\tliblethe_cudaemu.so not built: g++ not found on PATH";

    @TempDir Path dir;

    record Run(int code, String out) {}

    private Run check(String backends, String skipped) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("backends.tsv"), backends);
        Files.writeString(dir.resolve("skipped.tsv"), skipped);
        return run();
    }

    private Run run() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", SCRIPT.toString(), dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    @Test void aRunOnRefCpuAndCudaEmuWithOnlyGpuSkipsPasses() throws Exception {
        Run r = check(REF + "\n" + CPU + "\n" + EMU + "\n", "CudaTest > kernels\tneeds a GPU: no CUDA driver here\n");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("ci:   cpu       ran"), r.out());
        assertTrue(r.out().contains("ci: skipped tests: 1 (none for a reason other than needing a GPU)"), r.out());
    }

    @Test void aRunWithoutTheCpuBackendFails() throws Exception {
        Run r = check(REF + "\n" + CPU_ABSENT + "\n" + EMU + "\n", "");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("ci: FAILED: the cpu backend did not run: native library not built: gcc not found on PATH"), r.out());
    }

    @Test void aRunWithoutTheCudaEmulatorFails() throws Exception {
        Run r = check(REF + "\n" + CPU + "\n" + EMU_ABSENT + "\n", "");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("ci: FAILED: the cuda-emu backend did not run: liblethe_cudaemu.so not built: g++ not found on PATH"),
                r.out());
    }

    @Test void knownMissingCasesAreListedAndDoNotFail() throws Exception {
        Files.writeString(dir.resolve("known-missing.tsv"), "cuda-emu\trelu\tunary\ncuda-emu\texp\tunary\ncuda-emu\tconv2d\tconv2d\n");
        Files.writeString(dir.resolve("missing-ops.tsv"), "cuda-emu\tunary\ncuda-emu\tconv2d\ncuda-emu\tsgdStep\n");
        Run r = check(REF + "\n" + CPU + "\n" + EMU + "\n", "");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("ci: conformance cases passed as known missing (ops not on the backend yet): 3"), r.out());
        assertTrue(r.out().contains("ci:   cuda-emu lacks unary (2 cases)"), r.out());
        assertTrue(r.out().contains("ci:   cuda-emu lacks conv2d (1 cases)"), r.out());
        assertTrue(r.out().contains("ci: cuda-emu lacks 3 SPI ops (KnownMissing): unary, conv2d, sgdStep"), r.out());
    }

    @Test void aSkipForAnotherReasonFails() throws Exception {
        Run r = check(REF + "\n" + CPU + "\n" + EMU + "\n", "FashionMnistRealDataTest > readsAll\tFashion-MNIST is not installed\n"
                + "CudaTest > kernels\tneeds a GPU: no CUDA driver here\n");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("ci: FAILED: tests were skipped that must run here"), r.out());
        assertTrue(r.out().contains("ci:   FashionMnistRealDataTest > readsAll: Fashion-MNIST is not installed"), r.out());
        assertTrue(r.out().contains("1 for a reason other than needing a GPU"), r.out());
    }

    @Test void junitsAssumptionWordingCountsAsTheReason() throws Exception {
        // SuiteReport records an assumption's reason as JUnit words it: "Assumption failed: <reason>".
        Run ok = check(REF + "\n" + CPU + "\n" + EMU + "\n", "CudaTest > kernels\tAssumption failed: needs a GPU: no CUDA driver here\n");
        assertEquals(0, ok.code(), ok.out());
        Run bad = check(REF + "\n" + CPU + "\n" + EMU + "\n", "DataTest > reads\tAssumption failed: no data here, needs a GPU later\n");
        assertEquals(1, bad.code(), bad.out());
        assertTrue(bad.out().contains("1 for a reason other than needing a GPU"), bad.out());
    }

    @Test void noReportFails() throws Exception {
        Run r = run();
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("ci: FAILED: no test report"), r.out());
    }
}
