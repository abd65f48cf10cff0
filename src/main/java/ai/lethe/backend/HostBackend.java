// The memory half of a backend whose tensors live in host memory (ref, cpu): storage from a HostMemory pool
// and copies between Java/host segments and contiguous views (checked, like every kernel, by CheckedBackend).
// Subclasses supply the kernels.
package ai.lethe.backend;

import ai.lethe.core.Device;
import java.lang.foreign.MemorySegment;

public abstract class HostBackend implements Backend {
    private final HostMemory memory;

    protected HostBackend(Device device) { this.memory = new HostMemory(device); }

    /** The pool this backend allocates from. */
    public final HostMemory hostMemory() { return memory; }

    @Override public final Storage allocate(long bytes) { return memory.allocate(bytes); }

    @Override public final MemoryStats memoryStats() { return memory.stats(); }

    @Override public final void resetPeakBytes() { memory.resetPeak(); }

    @Override public final void write(MemorySegment src, View dst) {
        long bytes = dst.numel() * dst.dtype().byteSize();
        MemorySegment.copy(src, 0, host("write", dst), dst.byteOffset(), bytes);
    }

    @Override public final void read(View src, MemorySegment dst) {
        long bytes = src.numel() * src.dtype().byteSize();
        MemorySegment.copy(host("read", src), src.byteOffset(), dst, 0, bytes);
    }

    /** The host memory of a view (an exception naming the op for a storage of another device). */
    private static MemorySegment host(String op, View v) {
        if (!(v.storage() instanceof HostStorage h))
            throw new IllegalArgumentException(op + ": needs a view in host memory, got a storage on " + v.storage().device());
        return h.segment();
    }
}
