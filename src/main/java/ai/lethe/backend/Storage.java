// A reference-counted block of device memory owned by one backend. Tensors and their views share a storage;
// it is freed when the last tensor using it is closed. Every later use is an IllegalStateException.
package ai.lethe.backend;

import ai.lethe.core.Device;
import java.util.concurrent.atomic.AtomicInteger;

public abstract class Storage {
    private final Device device;
    private final long byteSize;
    private final AtomicInteger refs = new AtomicInteger(1);
    /** Bumped by every in-place write, so autograd can tell when a saved tensor was modified. */
    private volatile int version;

    protected Storage(Device device, long byteSize) {
        this.device = device;
        this.byteSize = byteSize;
    }

    public final Device device() { return device; }

    public final long byteSize() { return byteSize; }

    public final boolean isFreed() { return refs.get() <= 0; }

    /** Adds a user (a view). Fails if the storage is already freed. */
    public final void retain() {
        int r;
        do {
            r = refs.get();
            if (r <= 0) throw new IllegalStateException("storage on " + device + " was already freed");
        } while (!refs.compareAndSet(r, r + 1));
    }

    /** Drops a user; the last one frees the memory. */
    public final void release() {
        int r = refs.decrementAndGet();
        if (r == 0) free();
        else if (r < 0) throw new IllegalStateException("storage on " + device + " released more often than retained");
    }

    public final int version() { return version; }

    public final void bumpVersion() { version++; }

    /** Returns the memory to the backend's allocator. Called once, by the last release. */
    protected abstract void free();
}
