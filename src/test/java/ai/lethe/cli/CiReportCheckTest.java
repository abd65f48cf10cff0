// tools/check-test-report, CI's verdict on a test run's coverage, against made-up reports: it passes a run on
// ref and cpu whose only skips need a GPU, and fails — saying why — when the cpu backend did not run, when a
// test skipped for another reason (missing data, say), or when there is no report at all.
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

    @Test void aRunOnRefAndCpuWithOnlyGpuSkipsPasses() throws Exception {
        Run r = check(REF + "\n" + CPU + "\n", "CudaTest > kernels\tneeds a GPU: no CUDA driver here\n");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("ci:   cpu       ran"), r.out());
        assertTrue(r.out().contains("ci: skipped tests: 1 (none for a reason other than needing a GPU)"), r.out());
    }

    @Test void aRunWithoutTheCpuBackendFails() throws Exception {
        Run r = check(REF + "\n" + CPU_ABSENT + "\n", "");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("ci: FAILED: the cpu backend did not run: native library not built: gcc not found on PATH"), r.out());
    }

    @Test void aSkipForAnotherReasonFails() throws Exception {
        Run r = check(REF + "\n" + CPU + "\n", "FashionMnistRealDataTest > readsAll\tFashion-MNIST is not installed\n"
                + "CudaTest > kernels\tneeds a GPU: no CUDA driver here\n");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("ci: FAILED: tests were skipped that must run here"), r.out());
        assertTrue(r.out().contains("ci:   FashionMnistRealDataTest > readsAll: Fashion-MNIST is not installed"), r.out());
        assertTrue(r.out().contains("1 for a reason other than needing a GPU"), r.out());
    }

    @Test void noReportFails() throws Exception {
        Run r = run();
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("ci: FAILED: no test report"), r.out());
    }
}
