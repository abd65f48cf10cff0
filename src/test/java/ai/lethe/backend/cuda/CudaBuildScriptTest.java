// cuda-kernels/build.sh: a ptxas error fails a required build with nvcc's message; an optional build without the
// tools records why for each part and goes on; an up-to-date build does nothing. And the emulator's test kernels
// (cuda-kernels/tests/, not in the fatbin) are valid CUDA too: nvcc compiles each to PTX.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaBuildScriptTest {
    private static final Path SOURCES = Path.of("cuda-kernels");

    record Run(int status, String stderr) {}

    private static Run build(Path script, Path classes, String mode, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), classes.toString(), mode)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), err);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(t);
                else Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void aPtxasErrorFailsARequiredBuild(@TempDir Path temp) throws Exception {
        Path src = temp.resolve("cuda-kernels");
        copyTree(SOURCES, src);
        // valid C++ (so the error is ptxas's), invalid PTX
        Files.writeString(src.resolve("bad_ptx.cu"), """
                #include "lethe_device.cuh"
                #ifndef LETHE_EMULATE
                LETHE_KERNEL(bad_ptx, 64, float* out) { asm volatile("not.an.instruction;"); }
                #endif
                """);
        Path classes = temp.resolve("classes");
        Run r = build(src.resolve("build.sh"), classes, "required", Map.of());
        assertEquals(1, r.status(), r.stderr());
        assertTrue(r.stderr().contains("ERROR: the CUDA fatbin cannot be built: nvcc failed: ptxas"), r.stderr());
        assertTrue(r.stderr().contains("-Dlethe.cuda=optional"), r.stderr());
        assertFalse(Files.exists(classes.resolve("cuda/lethe.fatbin")));
    }

    @Test
    void anOptionalBuildWithoutTheToolsRecordsWhy(@TempDir Path temp) throws Exception {
        Path classes = temp.resolve("classes");
        Run r = build(SOURCES.resolve("build.sh"), classes, "optional",
                Map.of("LETHE_NVCC", "lethe-no-such-nvcc", "LETHE_CXX", "lethe-no-such-compiler"));
        assertEquals(0, r.status(), r.stderr());
        assertEquals("LETHE_NVCC=lethe-no-such-nvcc is not an executable",
                Files.readString(classes.resolve("cuda/BUILD-ERROR.txt")).strip());
        assertEquals("lethe-no-such-compiler not found on PATH (install g++: sudo apt-get install g++)",
                Files.readString(classes.resolve("native/linux-x86_64/" + EmulatedRuntime.BUILD_ERROR_NAME)).strip());
        assertFalse(Files.exists(classes.resolve("cuda/lethe.fatbin")));
        assertFalse(Files.exists(classes.resolve("native/linux-x86_64/" + EmulatedRuntime.LIBRARY_NAME)));
        // the emulator then says why it is unavailable
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, null)) {
            assertEquals(EmulatedRuntime.LIBRARY_NAME + " not built: lethe-no-such-compiler not found on PATH (install g++: sudo apt-get install g++)",
                    EmulatedRuntime.loadNow(loader));
        }
    }

    @Test
    void anUpToDateBuildDoesNothing() throws Exception {
        // Maven has just built target/classes: running the script again must change nothing
        Path classes = Path.of("target", "classes");
        Path fatbin = classes.resolve("cuda/lethe.fatbin"), lib = classes.resolve("native/linux-x86_64/" + EmulatedRuntime.LIBRARY_NAME);
        CudaBuildSupport.resource("cuda/lethe.fatbin");
        FileTime f = Files.getLastModifiedTime(fatbin), l = Files.getLastModifiedTime(lib);
        Run r = build(SOURCES.resolve("build.sh"), classes, "required", Map.of());
        assertEquals(0, r.status(), r.stderr());
        assertEquals("", r.stderr());
        assertEquals(f, Files.getLastModifiedTime(fatbin));
        assertEquals(l, Files.getLastModifiedTime(lib));
    }

    @Test
    void theEmulatorsTestKernelsAreValidCuda(@TempDir Path temp) throws Exception {
        CudaBuildSupport.resource("cuda/lethe.fatbin");  // nvcc was there for the build (or the test is skipped)
        String nvcc = Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc")) ? "/usr/local/cuda/bin/nvcc" : "nvcc";
        try (Stream<Path> files = Files.list(SOURCES.resolve("tests"))) {
            for (Path cu : files.filter(f -> f.toString().endsWith(".cu")).sorted().toList()) {
                Process p = new ProcessBuilder(nvcc, "--ptx", "-arch=compute_90", "-std=c++17", "-I", SOURCES.toString(),
                        "-o", temp.resolve(cu.getFileName() + ".ptx").toString(), cu.toString()).redirectErrorStream(true).start();
                String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.waitFor(), cu + " under nvcc: " + log);
            }
        }
    }
}
