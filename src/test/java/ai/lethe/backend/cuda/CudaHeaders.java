// Test support: the CUDA toolkit's cuda.h (the build machine's; nvcc 13 is on every machine this project builds on).
// Looked up in $CUDA_HOME/include, /usr/local/cuda/include and next to nvcc on the PATH. Its absence fails the test,
// unless the build made CUDA optional (mvn -Dlethe.cuda=optional): then it is skipped with that reason.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

final class CudaHeaders {
    private CudaHeaders() {}

    private static CHeader cudaH;

    /** The toolkit's cuda.h, read for 64-bit Linux (parsed once per test run). */
    static synchronized CHeader cudaH() throws IOException {
        if (cudaH == null) cudaH = CHeader.read(locate("cuda.h"), CHeader.linuxX86_64(), "CUDAAPI");
        return cudaH;
    }

    static Path locate(String header) {
        List<Path> candidates = new ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null) candidates.add(Path.of(home, "include", header));
        candidates.add(Path.of("/usr/local/cuda/include", header));
        String path = System.getenv("PATH");
        if (path != null)
            for (String dir : path.split(File.pathSeparator))
                if (Files.isExecutable(Path.of(dir, "nvcc"))) candidates.add(Path.of(dir).resolveSibling("include").resolve(header));
        for (Path p : candidates) if (Files.isRegularFile(p)) return p;
        String reason = header + " of the CUDA toolkit not found (looked at " + candidates + ")";
        assumeTrue("optional".equals(System.getProperty("lethe.cuda")), reason);
        fail(reason);
        return null;
    }
}
