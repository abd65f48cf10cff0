// Host (off-heap) memory for the ref and cpu backends: 64-byte aligned blocks from libc, so native kernels
// read them with no copy, freed explicitly (no Arena.ofAuto, no finalizers), counted for leak tests.
//
// Freed blocks are cached by size class and handed out again, like PyTorch's caching allocators: a training
// step allocates the same activation sizes every iteration, and a fresh multi-megabyte block from malloc is
// an mmap whose every page faults on first write (measured here: a ReLU over 6 MB took 3-4 ms instead of
// well under 1). The cache is bounded (-Dlethe.hostCacheBytes, default 2 GiB); emptyCache() returns it.
package ai.lethe.backend;

import ai.lethe.core.Device;
import ai.lethe.core.LetheException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

public final class HostMemory {
    /** Alignment of every block: a cache line, enough for AVX-512 loads. */
    public static final long ALIGNMENT = 64;
    private static final long DEFAULT_CACHE_LIMIT = 2L << 30;

    private static final MethodHandle ALIGNED_ALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        ALIGNED_ALLOC = linker.downcallHandle(libc.find("aligned_alloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        FREE = linker.downcallHandle(libc.find("free").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    private final Device device;
    private final long cacheLimit;
    /** Free blocks by their (rounded) size in bytes. */
    private final Map<Long, ArrayDeque<MemorySegment>> cache = new HashMap<>();
    private long live, peak, allocations, frees, cached;

    public HostMemory(Device device) { this(device, Long.getLong("lethe.hostCacheBytes", DEFAULT_CACHE_LIMIT)); }

    /** A pool that caches at most {@code cacheLimit} bytes of free blocks. */
    public HostMemory(Device device, long cacheLimit) {
        this.device = device;
        this.cacheLimit = cacheLimit;
    }

    /** The block size a request is served with: 64-byte multiples, then quarter steps between powers of 2. */
    static long sizeClass(long bytes) {
        long b = Math.max(ALIGNMENT, (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
        if (b <= 4096) return b;
        long pow = Long.highestOneBit(b);
        long quarter = pow / 4;
        return (b + quarter - 1) / quarter * quarter;
    }

    /** Allocates {@code bytes} uninitialised bytes. */
    public HostStorage allocate(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("allocate: negative size " + bytes);
        long size = sizeClass(bytes);
        MemorySegment p = null;
        synchronized (this) {
            ArrayDeque<MemorySegment> free = cache.get(size);
            if (free != null && !free.isEmpty()) {
                p = free.pop();
                cached -= size;
            }
        }
        if (p == null) p = mallocAligned(size);
        synchronized (this) {
            live += size;
            peak = Math.max(peak, live);
            allocations++;
        }
        return new HostStorage(this, p.reinterpret(bytes), bytes);
    }

    private MemorySegment mallocAligned(long size) {
        MemorySegment p = callAlloc(size);
        if (p.address() == 0) {
            emptyCache();
            p = callAlloc(size);
        }
        if (p.address() == 0) throw new OutOfMemoryError("host memory: cannot allocate " + size + " bytes on " + device);
        return p;
    }

    private static MemorySegment callAlloc(long size) {
        try {
            return (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, size);
        } catch (Throwable t) {
            throw new LetheException("aligned_alloc(" + size + ") failed", t);
        }
    }

    void free(MemorySegment segment, long bytes) {
        long size = sizeClass(bytes);
        boolean keep;
        synchronized (this) {
            live -= size;
            frees++;
            keep = cached + size <= cacheLimit;
            if (keep) {
                cache.computeIfAbsent(size, k -> new ArrayDeque<>()).push(segment);
                cached += size;
            }
        }
        if (!keep) callFree(segment);
    }

    private static void callFree(MemorySegment segment) {
        try {
            FREE.invokeExact(segment);
        } catch (Throwable t) {
            throw new LetheException("free failed", t);
        }
    }

    /** Returns every cached free block to the system. */
    public void emptyCache() {
        java.util.List<MemorySegment> blocks = new java.util.ArrayList<>();
        synchronized (this) {
            for (ArrayDeque<MemorySegment> q : cache.values()) blocks.addAll(q);
            cache.clear();
            cached = 0;
        }
        for (MemorySegment b : blocks) callFree(b);
    }

    public Device device() { return device; }

    /** Bytes in use (rounded to size classes), the most ever in use, and the counts. */
    public synchronized MemoryStats stats() { return new MemoryStats(live, peak, allocations, frees); }

    /** Bytes held in the cache of free blocks. */
    public synchronized long cachedBytes() { return cached; }

    /** Sets the peak counter to the bytes in use now. */
    public synchronized void resetPeak() { peak = live; }
}
