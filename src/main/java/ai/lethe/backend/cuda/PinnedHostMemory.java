// Page-locked ("pinned") host memory, which a GPU copies to and from by DMA at full bus speed and asynchronously
// (pageable memory is copied through a driver bounce buffer). A DeviceRuntime that can provide it implements this as
// well (the NVIDIA runtime: cuMemHostAlloc / cuMemFreeHost); the emulator has no use for it (its device memory is host
// memory) and does not. CudaBackend stages host copies of Java-heap segments through HostStaging, which uses this
// when the runtime offers it and plain native memory otherwise.
package ai.lethe.backend.cuda;

import java.lang.foreign.MemorySegment;

/** Optional capability of a DeviceRuntime: pinned host memory. */
public interface PinnedHostMemory {
    /** {@code bytes} (> 0) of pinned host memory, at least 64-byte aligned. */
    MemorySegment allocatePinned(long bytes);

    /** Frees memory from {@link #allocatePinned}. */
    void freePinned(MemorySegment memory);
}
