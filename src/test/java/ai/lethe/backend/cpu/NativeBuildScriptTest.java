// native/build.sh's two modes, with a compiler that does not exist: required (the default) fails the build with
// the reason and how to build without the library; optional records the reason in BUILD-ERROR.txt, which the
// cpu backend then reports with the fix, lets the build go on, and the fallback to ref is announced with both.
package ai.lethe.backend.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeBuildScriptTest {
    private static final Path SCRIPT = Path.of("native", "build.sh");

    record Run(int status, String stderr) {}

    private static Run build(Path out, String mode) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), out.toString(), mode).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("LETHE_CC", "lethe-no-such-compiler");
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), err);
    }

    @Test void aRequiredBuildThatCannotBeDoneFailsWithTheReason(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("native/linux-x86_64");
        Run r = build(out, "required");
        assertEquals(1, r.status(), r.stderr());
        assertTrue(r.stderr().contains("ERROR: the native cpu backend cannot be built: lethe-no-such-compiler not found on PATH"), r.stderr());
        assertTrue(r.stderr().contains("-Dlethe.native=optional"), r.stderr());
        assertFalse(Files.exists(out.resolve(CpuLibrary.BUILD_ERROR_NAME)));
        assertFalse(Files.exists(out.resolve(CpuLibrary.LIBRARY_NAME)));
    }

    @Test void anOptionalBuildRecordsTheReasonForTheBackend(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("native/linux-x86_64");
        Run r = build(out, "optional");
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stderr().contains("WARNING: cpu backend not built"), r.stderr());
        String reason = Files.readString(out.resolve(CpuLibrary.BUILD_ERROR_NAME)).strip();
        assertEquals("lethe-no-such-compiler not found on PATH (install gcc: sudo apt-get install gcc)", reason);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {temp.toUri().toURL()}, null)) {
            var a = new CpuBackend(loader, CpuLibrary.DEFAULT_RESOURCE_DIR).availability();
            assertFalse(a.available());
            assertEquals("native library not built: " + reason, a.reason());
            assertEquals(CpuLibrary.REBUILD_FIX, a.fix());
        }
    }

    @Test void fallingBackToRefIsAnnouncedWithTheReasonAndTheFix(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("native/linux-x86_64");
        build(out, "optional");
        var ref = new ai.lethe.backend.ref.RefBackend();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {temp.toUri().toURL()}, null)) {
            var cpu = new CpuBackend(loader, CpuLibrary.DEFAULT_RESOURCE_DIR);
            assertEquals("running on the pure-Java ref backend, 10-100x slower than the native cpu backend, which is "
                    + "unavailable: native library not built: lethe-no-such-compiler not found on PATH (install gcc: sudo "
                    + "apt-get install gcc). Fix: " + CpuLibrary.REBUILD_FIX, ai.lethe.backend.Backends.fallbackWarning(ref, cpu));
            assertNull(ai.lethe.backend.Backends.fallbackWarning(cpu, cpu), "no warning when ref is not the one chosen");
        }
        assertNull(ai.lethe.backend.Backends.fallbackWarning(ref, new CpuBackend()), "no warning while cpu is available");
    }

    @Test void aBadModeIsAUsageError(@TempDir Path temp) throws Exception {
        assertEquals(2, build(temp, "sometimes").status());
    }
}
