// Test support for the products of cuda-kernels/build.sh on the class path: the fatbin and the ptxas report. Their
// absence fails the test, unless the build made CUDA optional (mvn -Dlethe.cuda=optional): then it is skipped with
// the build's reason.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

final class CudaBuildSupport {
    private CudaBuildSupport() {}

    /** The class-path resource's bytes; fails (or skips, when CUDA is optional) when it is missing. */
    static byte[] resource(String name) throws IOException {
        ClassLoader loader = CudaBuildSupport.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in != null) return in.readAllBytes();
        }
        String reason = name + " is not on the class path";
        try (InputStream err = loader.getResourceAsStream("cuda/BUILD-ERROR.txt")) {
            if (err != null) reason += ": " + new String(err.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        assumeTrue("optional".equals(System.getProperty("lethe.cuda")), reason);
        fail(reason);
        return null;
    }
}
