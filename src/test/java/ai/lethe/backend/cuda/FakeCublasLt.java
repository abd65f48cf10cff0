// Test support: the fake cuBLASLt of src/test/resources/cuda-fake/fake_cublaslt.c (a naive column-major GEMM with the
// bias epilogue, on host pointers, following cublasLt.h's documented semantics independently of Lethe's binding),
// compiled with gcc into a folder as FakeCuda does the fake driver, and FFM handles to its hooks: what the last
// cublasLtMatmul ran with, the heuristic and matmul calls, the objects alive, a switch that makes the heuristic report
// CUBLAS_STATUS_NOT_SUPPORTED, and the workspace its algorithm asks for.
package ai.lethe.backend.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

final class FakeCublasLt {
    final Path library;
    private final MethodHandle reset, live, unsupported, workspace, record;

    /**
     * What the fake recorded: heuristic and matmul calls so far, and of the last matmul its transa, transb, epilogue,
     * compute type, A and B types, m, n, k (column-major), workspace size, stream and workspace pointer.
     */
    record Record(long heuristics, long matmuls, long transa, long transb, long epilogue, long computeType, long aType,
                  long bType, long m, long n, long k, long workspaceBytes, long stream, long workspace) {}

    FakeCublasLt(Path dir) throws IOException, InterruptedException {
        library = FakeCuda.compile(dir, "fake_cublaslt.c", "libfakecublaslt.so");
        SymbolLookup l = SymbolLookup.libraryLookup(library, Arena.global());
        Linker linker = Linker.nativeLinker();
        reset = linker.downcallHandle(l.findOrThrow("fake_cublaslt_reset"), FunctionDescriptor.ofVoid());
        live = linker.downcallHandle(l.findOrThrow("fake_cublaslt_live"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
        unsupported = linker.downcallHandle(l.findOrThrow("fake_cublaslt_unsupported"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        workspace = linker.downcallHandle(l.findOrThrow("fake_cublaslt_workspace"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));
        record = linker.downcallHandle(l.findOrThrow("fake_cublaslt_record"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    /** Forgets the records; the heuristic supports every shape again; 4096 bytes of workspace. */
    void reset() {
        try {
            reset.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Handles, descriptors, layouts and preferences created and not destroyed. */
    int live() {
        try {
            return (int) live.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Whether the heuristic answers CUBLAS_STATUS_NOT_SUPPORTED for every shape. */
    void unsupported(boolean on) {
        try {
            unsupported.invokeExact(on ? 1 : 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The workspace the heuristic's algorithm asks for. */
    void workspace(long bytes) {
        try {
            workspace.invokeExact(bytes);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    Record record() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 14);
            record.invokeExact(out);
            long[] v = out.toArray(ValueLayout.JAVA_LONG);
            return new Record(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
