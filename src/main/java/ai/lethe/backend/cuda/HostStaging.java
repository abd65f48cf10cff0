// The staging buffer of a CUDA backend's host copies: a Java-heap segment (an array) cannot be handed to the device,
// so write() and read() copy through this native buffer — pinned when the runtime implements PinnedHostMemory (full
// bus speed on a GPU), plain native memory otherwise. One buffer, grown to the largest copy so far (powers of two),
// reused by every copy; use() holds it for one copy at a time.
package ai.lethe.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/** A reusable host staging buffer (thread-safe: one user at a time). */
final class HostStaging {
    private final DeviceRuntime runtime;
    private MemorySegment buffer;
    private Arena arena;   // owner of a non-pinned buffer
    private long grows;

    HostStaging(DeviceRuntime runtime) { this.runtime = runtime; }

    /** Runs {@code body} with a staging segment of exactly {@code bytes} bytes (> 0), held for the call. */
    synchronized void use(long bytes, Consumer<MemorySegment> body) {
        if (buffer == null || buffer.byteSize() < bytes) grow(bytes);
        body.accept(buffer.asSlice(0, bytes));
    }

    private void grow(long bytes) {
        release();
        long size = Math.max(1 << 16, Long.highestOneBit(bytes - 1) << 1);
        if (runtime instanceof PinnedHostMemory pinned) {
            buffer = pinned.allocatePinned(size);
        } else {
            arena = Arena.ofShared();
            buffer = arena.allocate(size, 64);
        }
        grows++;
    }

    /** Whether the buffer is pinned (the runtime offers PinnedHostMemory). */
    boolean pinned() { return runtime instanceof PinnedHostMemory; }

    /** Bytes of the buffer now (0 before the first copy). */
    synchronized long capacity() { return buffer == null ? 0 : buffer.byteSize(); }

    /** How many times the buffer was (re)allocated. */
    synchronized long allocations() { return grows; }

    private void release() {
        if (buffer == null) return;
        if (arena != null) arena.close();
        else ((PinnedHostMemory) runtime).freePinned(buffer);
        buffer = null;
        arena = null;
    }
}
