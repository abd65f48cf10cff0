// Every FFM descriptor CublasLibrary binds, and its cuBLAS constants, checked against cublas_api.h/cublas_v2.h like
// the driver's against cuda.h. The build machines' CUDA toolkit has no cuBLAS headers, and the Maven artifact that
// was to supply them (org.bytedeco:cuda 13.1-9.19-1.5.13, linux-x86_64: 5 MB of JNI libraries) has no include/; so
// the headers are looked up in $LETHE_CUBLAS_INCLUDE, $CUDA_HOME/include and /usr/local/cuda/include (a full CUDA
// install has them), and where none has them the test is skipped with that reason (listed in the suite report).
// The table's shape (every constant listed once, FUNCTIONS complete) is checked everywhere.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
    void everyCublasDescriptorMatchesCublasApiH() throws Exception {
        Path dir = cublasInclude();
        assumeTrue(dir != null, "needs a GPU machine's CUDA toolkit (cuBLAS headers): no cublas_api.h here: the CUDA toolkit on this machine has no cuBLAS headers and "
                + "org.bytedeco:cuda 13.1-9.19-1.5.13 (linux-x86_64) ships none; set LETHE_CUBLAS_INCLUDE to a folder with "
                + "cublas_api.h and cublas_v2.h to run this check");
        Path driverTypes = CudaHeaders.locate("cuda.h").resolveSibling("driver_types.h");  // cudaStream_t
        CHeader h = CHeader.read(List.of(driverTypes, dir.resolve("cublas_api.h"), dir.resolve("cublas_v2.h")),
                CHeader.linuxX86_64(), "CUBLASWINAPI");
        List<String> problems = new ArrayList<>();
        for (NativeFunction f : CublasLibrary.FUNCTIONS) problems.addAll(DescriptorCheck.problems(h, f));
        assertEquals(List.of(), problems, "CublasLibrary's descriptors vs " + dir.resolve("cublas_api.h"));
        assertEquals("cublasSgemm_v2", h.symbolOf("cublasSgemm"));
        assertTrue(!DescriptorCheck.problems(h, NativeFunction.of("cublasSgemm", java.lang.foreign.ValueLayout.JAVA_INT)).isEmpty(),
                "the check catches the unversioned name");
        for (Field f : CublasLibrary.class.getDeclaredFields())
            if (f.getName().startsWith("CUBLAS_") && f.getType() == int.class)
                assertEquals(h.constant(f.getName()).orElseThrow(() -> new AssertionError(f.getName() + " not in cublas_api.h")),
                        (long) f.getInt(null), f.getName());
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
