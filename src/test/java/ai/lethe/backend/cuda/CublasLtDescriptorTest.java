// Every FFM descriptor CublasLtLibrary binds, and its constants, checked against JavaCPP's transcription of cuBLAS
// 13.1's cublasLt.h (it lives in org/bytedeco/cuda/global/cublas.java of org.bytedeco:cuda:13.1-9.19-1.5.13:sources, a
// test dependency; JavaCppHeader reads it) — not NVIDIA's header, which the build machines lack: each function exists
// under that exact name with the same arity and the same kind of every argument and of the return; every CUBLAS* int
// constant the binding uses (status, ops, compute types, the matmul-descriptor attributes TRANSA, TRANSB, EPILOGUE,
// BIAS_POINTER, CUBLASLT_EPILOGUE_BIAS, the preference's MAX_WORKSPACE_BYTES) has the transcription's
// value, and the cudaDataType values the cudart transcription's. The heuristic-result layout the binding reads is
// checked by field order and type against the transcription's struct classes: algo (a cublasLtMatmulAlgo_t of
// uint64_t data[8]), workspaceSize (size_t), state (cublasStatus_t), wavesCount (float), int reserved[] — with
// reserved[4] (the count the transcription does not state) from cublasLt.h's text: "int reserved[4];
// } cublasLtMatmulHeuristicResult_t;" (found with the project's code search in a copy of cublasLt.h).
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

class CublasLtDescriptorTest {
    static final String TRANSCRIPTION = "org/bytedeco/cuda/global/cublas.java";
    static final String CUDART = "org/bytedeco/cuda/global/cudart.java";

    @Test
    void everyCublasLtDescriptorAndConstantMatchesJavaCppsTranscriptionOfCublasLtH() throws Exception {
        JavaCppHeader h = JavaCppHeader.fromClassPath(TRANSCRIPTION);
        List<String> problems = new ArrayList<>();
        for (NativeFunction f : CublasLtLibrary.FUNCTIONS) problems.addAll(h.problems(f));
        assertEquals(List.of(), problems, "CublasLtLibrary's descriptors vs " + TRANSCRIPTION);
        int checked = 0;
        for (Field f : CublasLtLibrary.class.getDeclaredFields())
            if (f.getName().startsWith("CUBLAS") && f.getType() == int.class) {
                assertEquals(h.constant(f.getName()).orElseThrow(() -> new AssertionError(f.getName() + " not in " + TRANSCRIPTION)),
                        (long) f.getInt(null), f.getName());
                checked++;
            }
        assertEquals(12, checked, "every CUBLAS* constant of the binding is checked");
        JavaCppHeader cudart = JavaCppHeader.fromClassPath(CUDART);
        assertEquals(cudart.constant("CUDA_R_32F").orElseThrow(), (long) CublasLtLibrary.CUDA_R_32F);
        assertEquals(cudart.constant("CUDA_R_16BF").orElseThrow(), (long) CublasLtLibrary.CUDA_R_16BF);
    }

    private String source(String path) throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(path)) {
            assertTrue(in != null, path + " is not on the test class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theHeuristicResultHasTheLayoutTheBindingReads() throws Exception {
        String result = source("org/bytedeco/cuda/cublas/cublasLtMatmulHeuristicResult_t.java");
        Matcher m = Pattern.compile("public native (?:@ByRef |@Cast\\(\"[^\"]*\"\\) )?(\\w+) (\\w+)\\(\\);").matcher(result);
        List<String> fields = new ArrayList<>();
        while (m.find()) fields.add(m.group(2) + ":" + m.group(1));
        assertEquals(List.of("algo:cublasLtMatmulAlgo_t", "workspaceSize:long", "state:int", "wavesCount:float", "reserved:IntPointer"),
                fields);
        assertTrue(result.contains("public native int reserved(int i);"), "int reserved[]");
        assertTrue(result.contains("@Cast(\"size_t\") long workspaceSize()"), "workspaceSize is a size_t");
        String algo = source("org/bytedeco/cuda/cublas/cublasLtMatmulAlgo_t.java");
        assertTrue(algo.contains("public native @Cast(\"uint64_t\") long data(int i);"), "cublasLtMatmulAlgo_t: uint64_t data[]");
        // uint64_t data[8] (64), size_t (8, at 64), int (at 72), float (at 76), int reserved[4] (at 80): 96 bytes on LP64
        assertEquals(64, CublasLtLibrary.HEURISTIC_ALGO_BYTES);
        assertEquals(64, CublasLtLibrary.HEURISTIC_WORKSPACE);
        assertEquals(72, CublasLtLibrary.HEURISTIC_STATE);
        assertEquals(96, CublasLtLibrary.HEURISTIC_BYTES);
    }

    @Test
    void theTableHoldsEveryDeclaredFunctionOnce() throws Exception {
        Set<NativeFunction> declared = new HashSet<>();
        for (Field f : CublasLtLibrary.class.getDeclaredFields())
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == NativeFunction.class) declared.add((NativeFunction) f.get(null));
        assertEquals(declared, new HashSet<>(CublasLtLibrary.FUNCTIONS));
        assertEquals(CublasLtLibrary.FUNCTIONS.size(),
                new HashSet<>(CublasLtLibrary.FUNCTIONS.stream().map(NativeFunction::symbol).toList()).size());
    }
}
