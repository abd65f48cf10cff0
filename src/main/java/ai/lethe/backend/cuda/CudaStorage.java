// Storage of the CUDA backend: a block of device memory from its CudaAllocator, returned to the allocator's cache
// (not to the device) when the last view is released.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Storage;
import ai.lethe.core.Device;

/** Device memory of one tensor (and its views). */
public final class CudaStorage extends Storage {
    private final CudaAllocator allocator;
    private final CudaAllocator.Block block;

    CudaStorage(Device device, CudaAllocator allocator, CudaAllocator.Block block, long bytes) {
        super(device, bytes);
        this.allocator = allocator;
        this.block = block;
    }

    /** The device pointer of byte 0. An IllegalStateException once freed. */
    public long pointer() {
        if (isFreed()) throw new IllegalStateException("cuda storage on " + device() + " was already freed");
        return block.pointer();
    }

    CudaAllocator allocator() { return allocator; }

    @Override protected void free() { allocator.release(block); }
}
