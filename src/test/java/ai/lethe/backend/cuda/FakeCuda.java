// Test support: the fake CUDA driver and cuBLAS of src/test/resources/cuda-fake, compiled with gcc into a temporary
// folder (the driver against the toolkit's cuda.h, so its symbols and prototypes are the real driver's), and FFM
// handles to their test hooks. Without gcc or cuda.h the tests fail, unless the build made CUDA optional.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

final class FakeCuda {
    private static final java.lang.foreign.AddressLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;

    final Path driver, cublas;
    private final MethodHandle fail, set, contextRefs, liveBytes, expectParams, lastLaunch, cublasLast, cublasLastEx;

    /** The last launch the fake driver saw. */
    record Launch(String kernel, int[] dims, long stream, long[] params, boolean extraNull) {}

    FakeCuda(Path dir) throws IOException, InterruptedException {
        Path include = CudaHeaders.locate("cuda.h").getParent();
        driver = compile(dir, "fake_cuda.c", "libfakecuda.so", "-I" + include);
        cublas = compile(dir, "fake_cublas.c", "libfakecublas.so");
        SymbolLookup l = SymbolLookup.libraryLookup(driver, Arena.global());
        SymbolLookup b = SymbolLookup.libraryLookup(cublas, Arena.global());
        Linker linker = Linker.nativeLinker();
        fail = linker.downcallHandle(l.findOrThrow("fake_fail"), FunctionDescriptor.ofVoid(A, I));
        set = linker.downcallHandle(l.findOrThrow("fake_set"), FunctionDescriptor.ofVoid(I, I, I, I));
        contextRefs = linker.downcallHandle(l.findOrThrow("fake_context_refs"), FunctionDescriptor.of(I));
        liveBytes = linker.downcallHandle(l.findOrThrow("fake_live_bytes"), FunctionDescriptor.of(J));
        expectParams = linker.downcallHandle(l.findOrThrow("fake_expect_params"), FunctionDescriptor.ofVoid(I));
        lastLaunch = linker.downcallHandle(l.findOrThrow("fake_last_launch"), FunctionDescriptor.of(I, A, A, A, A, A));
        cublasLast = linker.downcallHandle(b.findOrThrow("fake_cublas_last"), FunctionDescriptor.of(I, A, A, A));
        cublasLastEx = linker.downcallHandle(b.findOrThrow("fake_cublas_last_ex"), FunctionDescriptor.of(I, A));
    }

    static Path compile(Path dir, String source, String library, String... flags) throws IOException, InterruptedException {
        Path src = dir.resolve(source);
        try (InputStream in = FakeCuda.class.getResourceAsStream("/cuda-fake/" + source)) {
            if (in == null) throw new IOException("cuda-fake/" + source + " is not on the test class path");
            Files.write(src, in.readAllBytes());
        }
        Path out = dir.resolve(library);
        List<String> cmd = new java.util.ArrayList<>(List.of("gcc", "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared"));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-o", out.toString(), src.toString()));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            String reason = "gcc is needed to build the fake CUDA driver: " + e.getMessage();
            assumeTrue("optional".equals(System.getProperty("lethe.cuda")), reason);
            fail(reason);
            return null;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "gcc " + source + ":\n" + log);
        return out;
    }

    /** The next call of the named API function (as written in cuda.h, e.g. "cuMemAlloc") returns code. */
    void failNext(String function, int code) {
        try (Arena a = Arena.ofConfined()) {
            fail.invokeExact(a.allocateFrom(function), code);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The driver version, device count and compute capability the fake reports. */
    void set(int version, int devices, int major, int minor) {
        try {
            set.invokeExact(version, devices, major, minor);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    void reset() {
        set(13000, 1, 9, 0);
        failNext("", 0);
    }

    int contextRefs() {
        try {
            return (int) contextRefs.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    long liveBytes() {
        try {
            return (long) liveBytes.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The number of kernel parameters (8 bytes each) the fake records at the next launches. */
    void expectParams(int n) {
        try {
            expectParams.invokeExact(n);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    Launch lastLaunch() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(256), dims = a.allocate(I, 7), stream = a.allocate(A), params = a.allocate(J, 32),
                    extra = a.allocate(I);
            int n = (int) lastLaunch.invokeExact(name, dims, stream, params, extra);
            return new Launch(name.getString(0), dims.toArray(I), stream.get(A, 0).address(),
                    params.asSlice(0, 8L * n).toArray(J), extra.get(I, 0) != 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {math mode, pointer mode, stream} of the last GEMM the fake cuBLAS ran. */
    /** Atype, Btype, Ctype, computeType and algo of the last cublasGemmEx / cublasGemmStridedBatchedEx. */
    int[] cublasLastEx() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(I, 5);
            int ignored = (int) cublasLastEx.invokeExact(out);
            return out.toArray(I);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    long[] cublasLast() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment math = a.allocate(I), pointer = a.allocate(I), stream = a.allocate(A);
            int ignored = (int) cublasLast.invokeExact(math, pointer, stream);
            return new long[] {math.get(I, 0), pointer.get(I, 0), stream.get(A, 0).address()};
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
