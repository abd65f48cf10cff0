// Rules of cuda-kernels/*.cu that neither compiler enforces: every buffer (pointer) parameter of a kernel has its
// shape in a comment on its line (the project's kernel style), and no source makes a vector access by casting a
// pointer (reinterpret_cast<float4*> or (float4*)): those go through ld_float4/st_float4 & co., whose alignment the
// emulator checks; a cast would pass unchecked on the CPU and fault on a GPU.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class KernelSourceRulesTest {
    private static final Path SOURCES = Path.of("cuda-kernels");
    private static final Pattern VECTOR_CAST =
            Pattern.compile("(reinterpret_cast\\s*<\\s*(const\\s+)?(float|int|uint|double)[24]\\s*\\*)|\\(\\s*(const\\s+)?(float|int|uint|double)[24]\\s*\\*\\s*\\)");
    private static final Pattern POINTER_PARAM = Pattern.compile("[A-Za-z_][\\w\\s]*\\*\\s*(__restrict__\\s*)?[A-Za-z_]\\w*\\s*[,)]");

    private static List<Path> kernelFiles() throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(SOURCES)) {
            s.filter(p -> p.toString().endsWith(".cu")).sorted().forEach(files::add);
        }
        assertFalse(files.isEmpty(), "no .cu file under " + SOURCES.toAbsolutePath());
        return files;
    }

    /** The problems of one source: pointer parameters without a shape comment, vector accesses by cast. */
    static List<String> problems(String name, List<String> lines) {
        List<String> found = new ArrayList<>();
        boolean inSignature = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String code = line.contains("//") ? line.substring(0, line.indexOf("//")) : line;
            String comment = line.contains("//") ? line.substring(line.indexOf("//")) : "";
            if (VECTOR_CAST.matcher(code).find()) found.add(name + ":" + (i + 1) + ": vector access by a cast (use ld_/st_ helpers): " + line.strip());
            if (code.contains("LETHE_KERNEL(")) inSignature = true;
            if (inSignature) {
                String params = code.contains("LETHE_KERNEL(") ? code.substring(code.indexOf("LETHE_KERNEL(") + 13) : code;
                if (POINTER_PARAM.matcher(params).find() && !comment.matches("//\\s*\\[.*\\].*"))
                    found.add(name + ":" + (i + 1) + ": a buffer parameter without its shape (// [dims]): " + line.strip());
                if (code.contains("{")) inSignature = false;
            }
        }
        return found;
    }

    @Test
    void everyBufferParameterHasItsShapeAndNoVectorCasts() throws Exception {
        List<String> found = new ArrayList<>();
        for (Path f : kernelFiles()) found.addAll(problems(SOURCES.relativize(f).toString(), Files.readAllLines(f)));
        assertEquals(List.of(), found);
    }

    @Test
    void theRulesCatchWhatTheySay() {
        List<String> bad = List.of(
                "LETHE_KERNEL(k, 64,",
                "             float* out,  // the output",
                "             const float* __restrict__ in) {",
                "    float4 v = *reinterpret_cast<const float4*>(in);",
                "    float4 w = *(float4*)out;",
                "}");
        List<String> p = problems("bad.cu", bad);
        assertEquals(4, p.size(), String.join("\n", p));
        List<String> good = List.of(
                "LETHE_KERNEL(k, 64,",
                "             float* out,  // [n]",
                "             const float* __restrict__ in,  // [n, 4]",
                "             long long n) {",
                "    float4 v = ld_float4(in);",
                "}");
        assertEquals(List.of(), problems("good.cu", good));
    }
}
