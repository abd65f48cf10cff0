// Every FFM descriptor CudnnLibrary binds, and its cuDNN constants, checked against JavaCPP's transcription of the
// cuDNN 9.19 headers (org/bytedeco/cuda/global/cudnn.java of org.bytedeco:cuda:13.1-9.19-1.5.13:sources, a test
// dependency; JavaCppHeader reads it) — not NVIDIA's cudnn_graph.h / cudnn_ops.h / cudnn_cnn.h, which the build
// machines do not have: each function exists under that exact name, with the same arity and the same kind of every
// argument and of the return (pointer/handle, 32-bit int/enum, 64-bit size_t, float, double). The layout of the
// algorithm-search results (cudnnConvolution*AlgoPerf_t) is checked by field order and type against the
// transcription's struct classes. That the checker catches wrong descriptors is JavaCppHeaderTest's.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CudnnDescriptorTest {
    static final String TRANSCRIPTION = "org/bytedeco/cuda/global/cudnn.java";

    @Test
    void everyCudnnDescriptorMatchesJavaCppsTranscriptionOfTheCudnnHeaders() throws Exception {
        JavaCppHeader h = JavaCppHeader.fromClassPath(TRANSCRIPTION);
        List<String> problems = new ArrayList<>();
        for (NativeFunction f : CudnnLibrary.FUNCTIONS) problems.addAll(h.problems(f));
        assertEquals(List.of(), problems, "CudnnLibrary's descriptors vs " + TRANSCRIPTION);
        assertEquals(9L, h.constant("CUDNN_MAJOR").orElseThrow());
        for (Field f : CudnnLibrary.class.getDeclaredFields())
            if (f.getName().startsWith("CUDNN_") && f.getType() == int.class)
                assertEquals(h.constant(f.getName()).orElseThrow(() -> new AssertionError(f.getName() + " not in " + TRANSCRIPTION)),
                        (long) f.getInt(null), f.getName());
        for (int status : new int[] {0, 1001, 2000, 2002, 3000, 4000, 5000}) {
            String name = CudnnLibrary.statusName(status);
            assertEquals((long) status, h.constant(name).orElseThrow(() -> new AssertionError(name + " not in " + TRANSCRIPTION)), name);
        }
    }

    /** Field order and Java types of the perf structs: algo, status (int), time (float), memory (size_t), determinism, mathType (int). */
    @Test
    void theAlgorithmPerfStructsHaveTheLayoutTheBindingReads() throws Exception {
        for (String s : new String[] {"cudnnConvolutionFwdAlgoPerf_t", "cudnnConvolutionBwdDataAlgoPerf_t", "cudnnConvolutionBwdFilterAlgoPerf_t"}) {
            String text;
            try (InputStream in = getClass().getClassLoader().getResourceAsStream("org/bytedeco/cuda/cudnn/" + s + ".java")) {
                assertTrue(in != null, s + ".java is not on the test class path");
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Matcher m = Pattern.compile("public native (?:@Cast\\(\"[^\"]*\"\\) )?(int|float|long) (\\w+)\\(\\);").matcher(text);
            List<String> fields = new ArrayList<>();
            while (m.find()) fields.add(m.group(2) + ":" + m.group(1));
            assertEquals(List.of("algo:int", "status:int", "time:float", "memory:long", "determinism:int", "mathType:int"), fields, s);
            assertTrue(text.contains("public native int reserved(int i);"), s + ": int reserved[]");
        }
        // int, int, float, (pad), size_t, int, int, int[3] on LP64: offsets 0, 4, 8, 16, 24, 28, 32; 48 bytes
        assertEquals(0, CudnnLibrary.PERF_ALGO);
        assertEquals(4, CudnnLibrary.PERF_STATUS);
        assertEquals(16, CudnnLibrary.PERF_MEMORY);
        assertEquals(28, CudnnLibrary.PERF_MATH_TYPE);
        assertEquals(48, CudnnLibrary.PERF_BYTES);
    }

    @Test
    void theTableHoldsEveryDeclaredFunctionOnce() throws Exception {
        Set<NativeFunction> declared = new HashSet<>();
        for (Field f : CudnnLibrary.class.getDeclaredFields())
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == NativeFunction.class) declared.add((NativeFunction) f.get(null));
        assertEquals(declared, new HashSet<>(CudnnLibrary.FUNCTIONS));
        assertEquals(CudnnLibrary.FUNCTIONS.size(), new HashSet<>(CudnnLibrary.FUNCTIONS.stream().map(NativeFunction::symbol).toList()).size());
    }
}
