// Test support: the fake cuDNN of src/test/resources/cuda-fake/fake_cudnn.c (naive host-pointer convolutions behind
// cuDNN 9's legacy API, independent of Lethe's binding), compiled with gcc into a folder (as FakeCuda does the fake
// driver), and FFM handles to its hooks: fail the next call of a function, set the version it reports, read what
// the convolutions ran with (calls, algorithm, math type, workspace, stream), make every algorithm's workspace too
// large, and count the handles and descriptors alive.
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

final class FakeCudnn {
    /** The directions the fake records: the three convolutions, and cudnnAddTensor. */
    static final int FORWARD = 0, BACKWARD_DATA = 1, BACKWARD_FILTER = 2, ADD_TENSOR = 3;

    final Path library;
    private final MethodHandle fail, version, record, live, reset, oversized, conversion;

    /** What the fake recorded for one direction: calls so far, and the algorithm, math type, workspace and stream of the last. */
    record Record(long calls, long algorithm, long mathType, long workspaceBytes, long stream) {}

    FakeCudnn(Path dir) throws IOException, InterruptedException {
        library = FakeCuda.compile(dir, "fake_cudnn.c", "libfakecudnn.so");
        SymbolLookup l = SymbolLookup.libraryLookup(library, Arena.global());
        Linker linker = Linker.nativeLinker();
        fail = linker.downcallHandle(l.findOrThrow("fake_cudnn_fail"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        version = linker.downcallHandle(l.findOrThrow("fake_cudnn_version"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));
        record = linker.downcallHandle(l.findOrThrow("fake_cudnn_record"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        live = linker.downcallHandle(l.findOrThrow("fake_cudnn_live"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
        reset = linker.downcallHandle(l.findOrThrow("fake_cudnn_reset"), FunctionDescriptor.ofVoid());
        oversized = linker.downcallHandle(l.findOrThrow("fake_cudnn_oversized"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        conversion = linker.downcallHandle(l.findOrThrow("fake_cudnn_conversion"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
    }

    /** The next call of the named function (e.g. "cudnnConvolutionForward") returns status. */
    void failNext(String function, int status) {
        try (Arena a = Arena.ofConfined()) {
            fail.invokeExact(a.allocateFrom(function), status);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The version cudnnGetVersion reports (91900 after reset). */
    void version(long v) {
        try {
            version.invokeExact(v);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    Record record(int direction) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 20);
            record.invokeExact(out);
            long[] v = out.toArray(ValueLayout.JAVA_LONG);
            return new Record(v[direction], v[4 + direction], v[8 + direction], v[12 + direction], v[16 + direction]);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Whether every algorithm asks for 1 << 50 bytes of workspace (none fits; off after reset). */
    void oversized(boolean on) {
        try {
            oversized.invokeExact(on ? 1 : 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Whether the first usable algorithm is listed with CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION (off after reset). */
    void conversion(boolean on) {
        try {
            conversion.invokeExact(on ? 1 : 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Handles and descriptors created and not destroyed. */
    int live() {
        try {
            return (int) live.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Forgets the records and any pending failure; version 9.19.0. */
    void reset() {
        try {
            reset.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
