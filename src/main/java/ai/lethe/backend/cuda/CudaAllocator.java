// The CUDA backend's caching device allocator (as PyTorch's): device memory is taken from the runtime in size
// classes and, when a storage is freed, kept on a free list of its class and stream and handed out again, so that a
// training step, which allocates the same sizes every iteration, does not call cuMemAlloc/cuMemFree per tensor
// (both synchronise the device).
//
// Stream-ordered reuse: a freed block goes to the free list of the stream it was last used on and is reused only for
// an allocation on that stream, where stream order guarantees every earlier kernel that touched it has finished
// before the next user runs (the backend uses one stream today; a block would need an event to move between streams).
//
// Size classes: multiples of 512 bytes up to 1 MiB, then quarter steps between powers of two (waste under 25%).
// Counters are in class bytes: live (handed out), peak (most live at once, resettable), cached (on free lists),
// allocations and frees. When the runtime cannot allocate, the cache is returned to it and the allocation retried
// once; if it still fails, a CudaOutOfMemoryException states the bytes requested, live and cached.
//
// Graph capture (CapturedStep): while a thread captures, its allocations come from the capture's private Pool (grown
// with DeviceRuntime.allocDuringCapture), and a pool block freed at any time goes back to that pool, never to the
// shared free lists: the graph's addresses are not handed to anyone else while it lives, and a capture that repeats the
// same allocations gets the same addresses (LIFO free lists), so its graph updates in place. A shared block freed by the
// capturing thread is held back until the graph is launched (endCapture): its earlier users are recorded, not queued, so
// handing it out before the launch would let another thread's work on it run before theirs. Closing the pool (the
// graph gone) returns its blocks to the shared free lists.
package ai.lethe.backend.cuda;

import ai.lethe.backend.MemoryStats;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Size-class caching allocator over a DeviceRuntime. Thread-safe. */
public final class CudaAllocator {
    static final long SMALL_STEP = 512;
    static final long SMALL_LIMIT = 1L << 20;

    /** A block of device memory: its pointer, class size, the stream it belongs to, and its private pool (or null). */
    public record Block(long pointer, long size, Stream stream, Pool pool) {
        public Block(long pointer, long size, Stream stream) { this(pointer, size, stream, null); }
    }

    /** The private pool of one captured graph (see the file comment). */
    public static final class Pool {
        private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
        private long held;
        private boolean closed;

        /** Bytes of device memory this pool has taken from the runtime. */
        public synchronized long bytes() { return held; }
    }

    private record Key(long size, long stream) {}

    private final DeviceRuntime runtime;
    private final Map<Key, ArrayDeque<Block>> free = new HashMap<>();
    private long live, peak, cached, allocations, frees, runtimeAllocations;
    private Pool capturePool;         // the pool of the capture in progress, or null
    private Thread captureThread;     // the thread that captures
    private final List<Block> heldBack = new ArrayList<>();   // shared blocks freed during the capture

    public CudaAllocator(DeviceRuntime runtime) { this.runtime = runtime; }

    /** The class size a request of {@code bytes} is served with (>= 512, >= bytes). */
    public static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("sizeClass: negative size " + bytes);
        if (bytes <= SMALL_LIMIT) return Math.max(SMALL_STEP, (bytes + SMALL_STEP - 1) / SMALL_STEP * SMALL_STEP);
        long pow = Long.highestOneBit(bytes - 1);
        long quarter = pow / 4;
        return (bytes + quarter - 1) / quarter * quarter;
    }

    /** A block of at least {@code bytes} bytes for use on {@code stream}, from the cache when one is free. */
    public Block allocate(long bytes, Stream stream) {
        long size = sizeClass(bytes);
        Block b;
        Pool pool;
        synchronized (this) {
            pool = captureThread == Thread.currentThread() ? capturePool : null;
        }
        if (pool != null) return allocateInPool(pool, bytes, size, stream);
        synchronized (this) {
            ArrayDeque<Block> q = free.get(new Key(size, stream.handle()));
            b = q == null ? null : q.poll();
            if (b != null) cached -= size;
        }
        if (b == null) b = new Block(allocateFromRuntime(bytes, size), size, stream);
        synchronized (this) {
            live += size;
            peak = Math.max(peak, live);
            allocations++;
        }
        return b;
    }

    private Block allocateInPool(Pool pool, long requested, long size, Stream stream) {
        Block b;
        synchronized (this) {
            ArrayDeque<Block> q = pool.free.get(size);
            b = q == null ? null : q.poll();
        }
        if (b == null) {
            long p;
            try {
                p = runtime.allocDuringCapture(size);
            } catch (CudaException e) {
                throw outOfMemory(requested, size, e);   // no emptying the cache mid-capture: it synchronises
            }
            b = new Block(p, size, stream, pool);
            synchronized (this) {
                runtimeAllocations++;
                pool.held += size;
            }
        }
        synchronized (this) {
            live += size;
            peak = Math.max(peak, live);
            allocations++;
        }
        return b;
    }

    /** Starts serving the calling thread's allocations from {@code pool} (a capture begins). */
    public synchronized void beginCapture(Pool pool) {
        if (captureThread != null)
            throw new IllegalStateException("allocator: thread " + captureThread.getName() + " is already capturing");
        if (pool.closed) throw new IllegalStateException("allocator: the capture's pool is closed");
        capturePool = pool;
        captureThread = Thread.currentThread();
    }

    /** Ends the capture: the shared blocks it freed go back to their free lists (call once its graph is launched). */
    public synchronized void endCapture() {
        capturePool = null;
        captureThread = null;
        for (Block b : heldBack) {
            cached += b.size();
            free.computeIfAbsent(new Key(b.size(), b.stream().handle()), k -> new ArrayDeque<>()).push(b);
        }
        heldBack.clear();
    }

    /** Closes a capture's pool: its free blocks, and its live ones when released, go to the shared free lists. */
    public synchronized void closePool(Pool pool) {
        if (pool.closed) return;
        if (pool == capturePool) throw new IllegalStateException("allocator: the pool of the capture in progress cannot be closed");
        pool.closed = true;
        for (ArrayDeque<Block> q : pool.free.values())
            for (Block b : q) {
                cached += b.size();
                free.computeIfAbsent(new Key(b.size(), b.stream().handle()), k -> new ArrayDeque<>()).push(b);
            }
        pool.free.clear();
    }

    private long allocateFromRuntime(long requested, long size) {
        try {
            long p = runtime.alloc(size);
            synchronized (this) { runtimeAllocations++; }
            return p;
        } catch (CudaException first) {
            if (emptyCache() == 0) throw outOfMemory(requested, size, first);
            try {
                long p = runtime.alloc(size);
                synchronized (this) { runtimeAllocations++; }
                return p;
            } catch (CudaException second) {
                throw outOfMemory(requested, size, second);
            }
        }
    }

    private CudaOutOfMemoryException outOfMemory(long requested, long size, CudaException cause) {
        long l;
        synchronized (this) { l = live; }
        return new CudaOutOfMemoryException(requested, size, l, runtime.description(), cause);
    }

    /** Returns a block to its stream's free list (stream order makes it safe to reuse there at once). */
    public void release(Block b) {
        synchronized (this) {
            live -= b.size();
            frees++;
            if (b.pool() != null && !b.pool().closed) {
                b.pool().free.computeIfAbsent(b.size(), k -> new ArrayDeque<>()).push(b);
                return;
            }
            if (captureThread == Thread.currentThread()) {
                heldBack.add(b);
                return;
            }
            cached += b.size();
            free.computeIfAbsent(new Key(b.size(), b.stream().handle()), k -> new ArrayDeque<>()).push(b);
        }
    }

    /** Frees every cached block to the runtime (after synchronising their streams); returns the bytes freed. */
    public long emptyCache() {
        List<Block> blocks = new ArrayList<>();
        synchronized (this) {
            for (ArrayDeque<Block> q : free.values()) blocks.addAll(q);
            free.clear();
            cached = 0;
        }
        long bytes = 0;
        java.util.Set<Long> synced = new java.util.HashSet<>();
        for (Block b : blocks) {
            if (synced.add(b.stream().handle())) runtime.synchronize(b.stream());
            runtime.free(b.pointer());
            bytes += b.size();
        }
        return bytes;
    }

    /** Live and peak class bytes, allocations and frees (of storages, not of runtime calls). */
    public synchronized MemoryStats stats() { return new MemoryStats(live, peak, allocations, frees); }

    /** Bytes held on free lists. */
    public synchronized long cachedBytes() { return cached; }

    /** How many times the runtime was asked for memory (what the cache saves). */
    public synchronized long runtimeAllocations() { return runtimeAllocations; }

    /** Sets the peak counter to the bytes live now. */
    public synchronized void resetPeak() { peak = live; }
}
