// Storage in host memory: a MemorySegment that Java kernels (ref) and native kernels (cpu) address directly.
package ai.lethe.backend;

import java.lang.foreign.MemorySegment;

public final class HostStorage extends Storage {
    private final HostMemory memory;
    private final MemorySegment segment;

    HostStorage(HostMemory memory, MemorySegment segment, long bytes) {
        super(memory.device(), bytes);
        this.memory = memory;
        this.segment = segment;
    }

    /** The memory. Valid only while the storage is not freed: check {@link #isFreed()} before handing it out. */
    public MemorySegment segment() {
        if (isFreed()) throw new IllegalStateException("host storage on " + device() + " was already freed");
        return segment;
    }

    @Override protected void free() { memory.free(segment, byteSize()); }
}
