// The staging buffers of a CUDA backend's host copies: a few native buffers ("slots") that host data passes through
// on its way to or from the device — pinned when the runtime has pinned memory (PinnedHostMemory.of: full bus speed
// and truly asynchronous copies on a GPU), plain native memory otherwise. Each slot grows to the largest copy it has
// carried (powers of two, at least 64 KiB) and is reused.
//
// Writes (host to device, write()) do not wait for the device: the source is copied into a slot, the copy from the
// slot is queued on the stream and an Event is recorded behind it; write() returns and the caller may change or free
// its memory at once. The slot is reused only once its copy is known to be done — a stream synchronisation begun
// after the copy was queued (CudaContext.synchronize reports those through issued()/completedThrough()) — or after
// waiting on its event when every slot is still in flight (DeviceCounters.eventWaits; with SLOTS slots that is a wait
// for the copy queued SLOTS writes earlier, not for the stream to drain). Reads (use()) take a slot whose copy is
// done, and their body synchronises before it hands the slot back.
//
// Choosing a slot: a done slot large enough (the smallest such); for a read, which synchronises anyway, else a slot
// large enough still in flight, waited for; else the smallest done slot, grown; else the oldest one in flight, waited
// for. Thread-safe: slots are taken and handed back under this object's lock, and the copies in
// between run without it (the loader's threads upload while the training thread reads).
package ai.lethe.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.function.Consumer;

/** Reusable host staging buffers of one CUDA backend. */
final class HostStaging {
    /** Staging buffers kept. */
    static final int SLOTS = 4;
    /** The smallest buffer allocated. */
    static final long MIN_BUFFER = 1 << 16;

    private static final class Slot {
        MemorySegment buffer;   // null until first used
        Arena arena;            // owner of a buffer that is not pinned
        Event event;            // created for the first write through this slot
        long ticket;            // issue number of the copy in flight from it; 0: none
        boolean recorded;       // the event stands behind that copy
        boolean busy;           // taken by a copy between acquire and finish

        long capacity() { return buffer == null ? 0 : buffer.byteSize(); }
    }

    private final DeviceRuntime runtime;
    private final Stream stream;
    private final PinnedHostMemory pinned;   // null: plain native memory
    private final Slot[] slots = new Slot[SLOTS];
    private long issued, completed, grows;

    HostStaging(DeviceRuntime runtime, Stream stream) {
        this.runtime = runtime;
        this.stream = stream;
        Optional<PinnedHostMemory> p = PinnedHostMemory.of(runtime);
        this.pinned = p.orElse(null);
        for (int i = 0; i < SLOTS; i++) slots[i] = new Slot();
    }

    /**
     * Queues a copy of {@code bytes} (> 0) of {@code src} to the device address {@code dst} through a slot and returns
     * without waiting for it; {@code src} is no longer needed when this returns.
     */
    void write(MemorySegment src, long dst, long bytes) {
        Slot s = acquire(bytes, true);
        boolean queued = false, recorded = false;
        try {
            MemorySegment buffer = s.buffer.asSlice(0, bytes);
            MemorySegment.copy(src, 0, buffer, 0, bytes);
            runtime.copyHostToDevice(dst, buffer, bytes, stream);
            queued = true;
            runtime.record(s.event, stream);
            recorded = true;
        } finally {
            finish(s, queued, recorded);
        }
    }

    /**
     * Runs {@code body} with a staging segment of exactly {@code bytes} (> 0) bytes whose earlier copies are done; the
     * body must leave nothing queued that uses the segment (it synchronises the stream before it returns).
     */
    void use(long bytes, Consumer<MemorySegment> body) {
        Slot s = acquire(bytes, false);
        try {
            body.accept(s.buffer.asSlice(0, bytes));
        } finally {
            finish(s, false, false);
        }
    }

    /** The issue number of the last copy queued from a slot (CudaContext.synchronize takes it before it synchronises). */
    synchronized long issued() { return issued; }

    /** Every copy issued up to {@code ticket} is done (the stream was synchronised after it was queued). */
    synchronized void completedThrough(long ticket) { completed = Math.max(completed, ticket); }

    private boolean done(Slot s) { return s.ticket <= completed; }

    private synchronized Slot acquire(long bytes, boolean forWrite) {
        while (true) {
            Slot pick = null;
            for (Slot s : slots)
                if (!s.busy && done(s) && s.capacity() >= bytes && (pick == null || s.capacity() < pick.capacity())) pick = s;
            if (pick == null && !forWrite)   // a read synchronises anyway: waiting for a slot first costs nothing more
                for (Slot s : slots) if (!s.busy && s.capacity() >= bytes && (pick == null || s.ticket < pick.ticket)) pick = s;
            if (pick == null)
                for (Slot s : slots) if (!s.busy && done(s) && (pick == null || s.capacity() < pick.capacity())) pick = s;
            if (pick == null)
                for (Slot s : slots) if (!s.busy && (pick == null || s.ticket < pick.ticket)) pick = s;
            if (pick == null) {   // every slot is taken by a copy on another thread
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("host staging: interrupted while waiting for a staging buffer", e);
                }
                continue;
            }
            if (!done(pick)) {
                if (pick.recorded) runtime.synchronize(pick.event);
                else runtime.synchronize(stream);   // its event could not be recorded: wait for everything
                pick.ticket = 0;
            }
            if (pick.capacity() < bytes) grow(pick, bytes);
            if (forWrite && pick.event == null) pick.event = runtime.createEvent();
            pick.busy = true;
            return pick;
        }
    }

    private synchronized void finish(Slot s, boolean inFlight, boolean recorded) {
        s.busy = false;
        if (inFlight) {
            s.ticket = ++issued;
            s.recorded = recorded;
        } else {
            s.ticket = 0;
        }
        notifyAll();
    }

    /** Replaces the (done) slot's buffer by one of at least {@code bytes}. */
    private void grow(Slot s, long bytes) {
        release(s);
        long size = Math.max(MIN_BUFFER, Long.highestOneBit(bytes - 1) << 1);
        if (pinned != null) {
            s.buffer = pinned.allocatePinned(size);
        } else {
            Arena a = Arena.ofShared();
            s.buffer = a.allocate(size, 64);
            s.arena = a;
        }
        grows++;
    }

    private void release(Slot s) {
        if (s.buffer == null) return;
        if (s.arena != null) s.arena.close();
        else pinned.freePinned(s.buffer);
        s.buffer = null;
        s.arena = null;
    }

    /** Whether the buffers are pinned (the runtime has PinnedHostMemory). */
    boolean pinned() { return pinned != null; }

    /** Bytes of the largest buffer now (0 before the first copy). */
    synchronized long capacity() {
        long c = 0;
        for (Slot s : slots) c = Math.max(c, s.capacity());
        return c;
    }

    /** How many buffers were allocated so far (first uses and growths). */
    synchronized long allocations() { return grows; }
}
