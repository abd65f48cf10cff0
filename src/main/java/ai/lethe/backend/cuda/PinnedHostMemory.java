// Page-locked ("pinned") host memory, which a GPU copies to and from by DMA at full bus speed and asynchronously
// (pageable memory is copied through a driver bounce buffer, and a host-to-device copy from it waits for the stream
// first). A DeviceRuntime that can provide it implements this as well, or is adapted by of(): the NVIDIA runtime's
// allocHost / freeHost (cuMemAllocHost / cuMemFreeHost). The emulator has no use for it (its device memory is host
// memory) and offers none. CudaBackend stages host copies through HostStaging, which uses this when the runtime
// offers it and plain native memory otherwise.
package ai.lethe.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** Optional capability of a DeviceRuntime: pinned host memory. */
public interface PinnedHostMemory {
    /** {@code bytes} (> 0) of pinned host memory, at least 64-byte aligned. */
    MemorySegment allocatePinned(long bytes);

    /** Frees memory from {@link #allocatePinned}. */
    void freePinned(MemorySegment memory);

    /**
     * The pinned memory of {@code runtime} (looking through a CountingRuntime): the runtime itself when it implements
     * this interface, the NVIDIA runtime's allocHost / freeHost, or empty (the emulator).
     */
    static Optional<PinnedHostMemory> of(DeviceRuntime runtime) {
        DeviceRuntime rt = CountingRuntime.unwrap(runtime);
        if (rt instanceof PinnedHostMemory p) return Optional.of(p);
        if (rt instanceof NvidiaRuntime nv) {
            return Optional.of(new PinnedHostMemory() {
                @Override public MemorySegment allocatePinned(long bytes) { return nv.allocHost(bytes); }

                @Override public void freePinned(MemorySegment memory) { nv.freeHost(memory); }
            });
        }
        return Optional.empty();
    }
}
