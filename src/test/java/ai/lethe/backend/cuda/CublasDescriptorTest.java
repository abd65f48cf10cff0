// Every FFM descriptor CublasLibrary binds, and its cuBLAS constants, checked against JavaCPP's transcription of the
// cuBLAS 13.1 headers (org/bytedeco/cuda/global/cublas.java of org.bytedeco:cuda:13.1-9.19-1.5.13:sources, a test
// dependency; JavaCppHeader reads it) — not NVIDIA's cublas_api.h, which the build machines' CUDA toolkit lacks: each
// function exists under the exact exported name (cublasSgemm_v2, not the legacy cublasSgemm), with the same arity and
// the same kind of every argument and of the return (pointer/handle, 32-bit int/enum, 64-bit size_t/long long, float,
// double). Where a full CUDA install has cublas_api.h ($LETHE_CUBLAS_INCLUDE, $CUDA_HOME/include or
// /usr/local/cuda/include), the descriptors are also checked against it with CHeader, as the driver's against cuda.h.
// That the checker catches wrong descriptors is JavaCppHeaderTest's.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CublasDescriptorTest {
    static final String TRANSCRIPTION = "org/bytedeco/cuda/global/cublas.java";

    /** The folder with cublas_api.h and cublas_v2.h, or null. */
    static Path cublasInclude() {
        List<Path> dirs = new ArrayList<>();
        for (String env : new String[] {"LETHE_CUBLAS_INCLUDE", "CUDA_HOME"}) {
            String v = System.getenv(env);
            if (v != null) dirs.add(env.equals("CUDA_HOME") ? Path.of(v, "include") : Path.of(v));
        }
        dirs.add(Path.of("/usr/local/cuda/include"));
        for (Path d : dirs) if (Files.isRegularFile(d.resolve("cublas_api.h")) && Files.isRegularFile(d.resolve("cublas_v2.h"))) return d;
        return null;
    }

    @Test
    void everyCublasDescriptorMatchesJavaCppsTranscriptionOfCublasApiH() throws Exception {
        JavaCppHeader h = JavaCppHeader.fromClassPath(TRANSCRIPTION);
        List<String> problems = new ArrayList<>();
        for (NativeFunction f : CublasLibrary.FUNCTIONS) problems.addAll(h.problems(f));
        assertEquals(List.of(), problems, "CublasLibrary's descriptors vs " + TRANSCRIPTION);
        assertFalse(h.problems(NativeFunction.of("cublasSgemm", ValueLayout.JAVA_INT, ValueLayout.ADDRESS)).isEmpty(),
                "the legacy unversioned cublasSgemm is not what CublasLibrary binds");
        for (Field f : CublasLibrary.class.getDeclaredFields())
            if (f.getName().startsWith("CUBLAS_") && f.getType() == int.class)
                assertEquals(h.constant(f.getName()).orElseThrow(() -> new AssertionError(f.getName() + " not in " + TRANSCRIPTION)),
                        (long) f.getInt(null), f.getName());
    }

    @Test
    void andAgainstCublasApiHWhereAFullCudaInstallHasIt() throws Exception {
        Path dir = cublasInclude();
        if (dir == null) return;  // the build machines: no cuBLAS headers (the transcription check above covers them)
        Path driverTypes = CudaHeaders.locate("cuda.h").resolveSibling("driver_types.h");  // cudaStream_t
        CHeader h = CHeader.read(List.of(driverTypes, dir.resolve("cublas_api.h"), dir.resolve("cublas_v2.h")),
                CHeader.linuxX86_64(), "CUBLASWINAPI");
        List<String> problems = new ArrayList<>();
        for (NativeFunction f : CublasLibrary.FUNCTIONS) problems.addAll(DescriptorCheck.problems(h, f));
        assertEquals(List.of(), problems, "CublasLibrary's descriptors vs " + dir.resolve("cublas_api.h"));
        assertEquals("cublasSgemm_v2", h.symbolOf("cublasSgemm"));
    }

    @Test
    void theTableHoldsEveryDeclaredFunctionOnce() throws Exception {
        Set<NativeFunction> declared = new HashSet<>();
        for (Field f : CublasLibrary.class.getDeclaredFields())
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == NativeFunction.class) declared.add((NativeFunction) f.get(null));
        assertEquals(declared, new HashSet<>(CublasLibrary.FUNCTIONS));
        assertEquals(CublasLibrary.FUNCTIONS.size(), new HashSet<>(CublasLibrary.FUNCTIONS.stream().map(NativeFunction::symbol).toList()).size());
    }
}
