// The checker of CublasDescriptorTest and CudnnDescriptorTest (JavaCppHeader) catches wrong descriptors: a missing
// or extra argument, an int bound where the transcription has size_t / long long, a pointer bound as an int, a
// wrong return, an unversioned name where cuBLAS exports the _v2 one, a name that does not exist; and it picks the
// Pointer overload over the Buffer/array ones, reads enum constants (also those defined as another constant), and
// ignores comments.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

class JavaCppHeaderTest {
    private static final ValueLayout A = ValueLayout.ADDRESS, I = ValueLayout.JAVA_INT, J = ValueLayout.JAVA_LONG,
            F = ValueLayout.JAVA_FLOAT;

    private static void wrong(JavaCppHeader h, NativeFunction f, String expected) {
        List<String> p = h.problems(f);
        assertFalse(p.isEmpty(), f + " passed the check");
        assertTrue(String.join("\n", p).contains(expected), p + " does not say " + expected);
    }

    @Test void wrongCudnnDescriptorsAreCaught() throws Exception {
        JavaCppHeader h = JavaCppHeader.fromClassPath(CudnnDescriptorTest.TRANSCRIPTION);
        assertEquals(List.of(), h.problems(CudnnLibrary.CONVOLUTION_FORWARD));
        wrong(h, NativeFunction.of("cudnnSetTensor4dDescriptor", I, A, I, I, I, I, I), "7 parameters declared, 6 bound");
        wrong(h, NativeFunction.of("cudnnConvolutionForward", I, A, A, A, A, A, A, A, I, A, I, A, A, A), "is LONG, bound as INT");
        wrong(h, NativeFunction.of("cudnnSetStream", I, A, I), "is POINTER, bound as INT");
        wrong(h, NativeFunction.of("cudnnGetVersion", I), "returns LONG, bound as INT");
        wrong(h, NativeFunction.of("cudnnGetErrorString", I, I), "returns POINTER, bound as INT");
        wrong(h, NativeFunction.of("cudnnCreateTensor", I, A), "no such function");
    }

    @Test void wrongCublasDescriptorsAreCaught() throws Exception {
        JavaCppHeader h = JavaCppHeader.fromClassPath(CublasDescriptorTest.TRANSCRIPTION);
        wrong(h, NativeFunction.of("cublasSgemmStridedBatched", I, A, I, I, I, I, I, A, A, I, I, A, I, J, A, A, I, J, I),
                "argument 9 'long strideA' is LONG, bound as INT");
        wrong(h, NativeFunction.of("cublasSgemm_v2", I, A, I, I, I, I, I, F, A, I, A, I, A, A, I), "argument 6");
        wrong(h, NativeFunction.of("cublasCreate", I, A), "it exports cublasCreate_v2");
    }

    @Test void overloadsConstantsAndComments() {
        JavaCppHeader h = JavaCppHeader.parse("snippet", """
                /** enum e */
                public static final int
                    E_A = 0,   // the first
                    E_B = 0x10,
                    E_C = E_B;
                // public static native int commented(int x);
                public static native @Cast("st_t") int f(@Cast("const int*") int[] a, @Cast("size_t") long n);
                public static native @Cast("st_t") int f(@Cast("const int*") IntBuffer a, @Cast("size_t") long n);
                public static native @Cast("st_t") int f(@Cast("const int*") IntPointer a, /* count */ @Cast("size_t") long n);
                public static native void g(@ByPtrPtr handle_st h, @ByVal big_t b, double d);
                """);
        assertEquals(16L, h.constant("E_B").orElseThrow());
        assertEquals(16L, h.constant("E_C").orElseThrow());
        assertEquals(0L, h.constant("E_A").orElseThrow());
        assertTrue(h.declaration("commented").isEmpty());
        JavaCppHeader.Declaration f = h.declaration("f").orElseThrow();
        assertFalse(f.bufferOverload());
        assertTrue(f.paramTexts().get(0).contains("IntPointer"), f.toString());
        assertEquals(List.of(JavaCppHeader.Kind.POINTER, JavaCppHeader.Kind.LONG), f.params());
        JavaCppHeader.Declaration g = h.declaration("g").orElseThrow();
        assertEquals(JavaCppHeader.Kind.VOID, g.returns());
        assertEquals(List.of(JavaCppHeader.Kind.POINTER, JavaCppHeader.Kind.BY_VALUE, JavaCppHeader.Kind.DOUBLE), g.params());
    }
}
