// A tensor's elements as one dense block of host memory, for a library that reads and writes host pointers (MPI):
// a contiguous tensor in host memory (cpu, ref) is passed as it is, its own storage; any other tensor (a strided
// view, or cuda-emu / cuda device memory) is staged: copied into a buffer of this class's arena before the call
// and copied back into the tensor by writeBack(). Lethe assumes no CUDA-aware MPI: device memory never reaches
// libmpi, every device tensor goes through a host copy.
package ai.lethe.distributed;

import ai.lethe.backend.HostStorage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

final class HostBuffer implements AutoCloseable {
    private final Tensor tensor;
    private final MemorySegment segment;
    private final Arena arena;        // null when the segment is the tensor's own storage

    private HostBuffer(Tensor tensor, MemorySegment segment, Arena arena) {
        this.tensor = tensor;
        this.segment = segment;
        this.arena = arena;
    }

    /** Checks that {@code t} is open and float32/float64 (else IllegalArgumentException naming {@code op}). */
    static DType checkFloat(Tensor t, String op) {
        Objects.requireNonNull(t, op + ": tensor");
        t.checkOpen(op);
        DType d = t.dtype();
        if (d != DType.FLOAT32 && d != DType.FLOAT64)
            throw new IllegalArgumentException(op + ": dtype " + d + " is not supported (float32 and float64 only), shape "
                    + t.shape());
        return d;
    }

    /** The host memory of {@code t}: its own for a contiguous host tensor, else a staged copy of its elements. */
    static HostBuffer of(Tensor t, String op) {
        checkFloat(t, op);
        View v = t.kernelView();
        long bytes = t.numel() * t.dtype().byteSize();
        if (v.isContiguous() && v.storage() instanceof HostStorage host)
            return new HostBuffer(t, host.segment().asSlice(v.byteOffset(), bytes), null);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment staged = arena.allocate(Math.max(bytes, 1), t.dtype().byteSize());
            if (v.isContiguous()) {
                t.backend().read(v, staged);
            } else {
                try (Tensor c = t.contiguousCopy()) {
                    c.backend().read(c.kernelView(), staged);
                }
            }
            return new HostBuffer(t, staged.asSlice(0, bytes), arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    MemorySegment segment() { return segment; }

    long count() { return tensor.numel(); }

    DType dtype() { return tensor.dtype(); }

    boolean staged() { return arena != null; }

    /** After a collective wrote the buffer: copies a staged buffer back into the tensor; marks the tensor modified. */
    void writeBack() {
        if (arena != null) {
            View v = tensor.kernelView();
            if (v.isContiguous()) {
                tensor.backend().write(segment, v);
            } else {
                // written straight into the view (not copyFrom): a parameter that requires grad may be broadcast
                try (Tensor c = Tensor.empty(tensor.shape(), tensor.dtype(), tensor.device())) {
                    c.backend().write(segment, c.kernelView());
                    tensor.backend().copy(c.kernelView(), v);
                }
            }
        }
        tensor.markModified();
    }

    @Override public void close() {
        if (arena != null) arena.close();
    }
}
