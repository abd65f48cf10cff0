// Batches on their way to a captured step through a copy stream (GraphCapture.InputRing on the CUDA backend): a ring
// of SLOTS device buffers, each with a host staging buffer (pinned where the runtime has pinned memory) and two events.
// stage() fills a slot's host buffer, queues its host-to-device copy on the ring's own non-blocking stream and records
// the slot's `copied` event; take() makes the backend's stream wait for that event (cuStreamWaitEvent: no host wait),
// copies the slot into the step's input tensor there and records the slot's `consumed` event. So the next batch's copy
// runs on the copy engine while the current step computes.
//
// Safety across the two streams, per slot: the copy into a slot's device buffer waits (on the copy stream) for the
// `consumed` event of the slot's last take, so it never overwrites a batch the compute stream has not copied out yet;
// the host waits for the slot's last `copied` event before it refills the slot's host buffer (the copy may still be
// reading it). The device buffers are the ring's own while it lives; they come from and go back to the backend
// stream's free list with an event ordering each move between the streams (no host synchronisation). The emulator's stream-order model (StreamOrder) refuses a take without
// the wait, or a copy into a slot still being read, naming both operations.
package ai.lethe.backend.cuda;

import ai.lethe.backend.GraphCapture;
import ai.lethe.backend.View;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/** A ring of staged inputs on a copy stream; used by one thread. */
final class InputRing implements GraphCapture.InputRing {
    static final int SLOTS = 2;

    private static final class Slot {
        MemorySegment host;     // staging buffer (pinned or native)
        Arena arena;            // owner when not pinned
        CudaAllocator.Block device;
        long bytes;             // of the batch staged in it
        Event copied, consumed;
        boolean copyPending, consumedRecorded;
    }

    private final CudaContext context;
    private final String what;
    private final PinnedHostMemory pinned;
    private final Slot[] slots = new Slot[SLOTS];
    private Stream copyStream;
    private int next;
    private boolean closed;

    InputRing(CudaContext context, String what) {
        this.context = context;
        this.what = what;
        this.pinned = PinnedHostMemory.of(context.runtime()).orElse(null);
        for (int i = 0; i < SLOTS; i++) slots[i] = new Slot();
    }

    @Override
    public int stage(long bytes, Consumer<MemorySegment> fill) {
        if (closed) throw new IllegalStateException(what + ": the input ring is closed");
        if (bytes <= 0) throw new IllegalArgumentException(what + ": a staged input needs > 0 bytes, got " + bytes);
        DeviceRuntime rt = context.runtime();
        if (copyStream == null) copyStream = rt.createNonBlockingStream();
        int i = next;
        next = (next + 1) % SLOTS;
        Slot s = slots[i];
        if (s.copyPending) {
            rt.synchronize(s.copied);   // its last copy may still read the host buffer
            s.copyPending = false;
        }
        if (s.host == null || s.host.byteSize() < bytes || s.device.size() < bytes) grow(s, bytes);
        MemorySegment host = s.host.asSlice(0, bytes);
        fill.accept(host);
        if (s.consumedRecorded) rt.waitEvent(copyStream, s.consumed);   // the compute stream has copied the last batch out
        rt.copyHostToDevice(s.device.pointer(), host, bytes, copyStream);
        if (s.copied == null) s.copied = rt.createEvent();
        rt.record(s.copied, copyStream);
        s.copyPending = true;
        s.bytes = bytes;
        return i;
    }

    @Override
    public void take(int slot, View dst) {
        if (closed) throw new IllegalStateException(what + ": the input ring is closed");
        Slot s = slots[slot];
        long bytes = dst.numel() * dst.dtype().byteSize();
        if (s.copied == null || bytes != s.bytes)
            throw new IllegalArgumentException(what + ": slot " + slot + " holds " + s.bytes + " staged bytes, the input needs " + bytes);
        if (!dst.isContiguous()) throw new IllegalArgumentException(what + ": the input a staged batch is copied into must be contiguous");
        DeviceRuntime rt = context.runtime();
        Stream compute = context.baseStream();
        rt.waitEvent(compute, s.copied);
        rt.copyDeviceToDevice(context.elementPointer("take", dst), s.device.pointer(), bytes, compute);
        if (s.consumed == null) s.consumed = rt.createEvent();
        rt.record(s.consumed, compute);
        s.consumedRecorded = true;
    }

    /**
     * Replaces the slot's buffers by ones of at least {@code bytes}. The device block comes from the backend stream's
     * free list, where earlier kernels may still use it: the copy stream is made to wait for them (the slot's
     * `consumed` event, recorded now) before its first copy into it.
     */
    private void grow(Slot s, long bytes) {
        release(s);
        long size = Math.max(1 << 16, Long.highestOneBit(bytes - 1) << 1);
        if (pinned != null) {
            s.host = pinned.allocatePinned(size);
        } else {
            s.arena = Arena.ofShared();
            s.host = s.arena.allocate(size, 64);
        }
        DeviceRuntime rt = context.runtime();
        s.device = context.allocator().allocate(size, context.baseStream());
        if (s.consumed == null) s.consumed = rt.createEvent();
        rt.record(s.consumed, context.baseStream());
        s.consumedRecorded = true;
    }

    /**
     * Frees the slot's buffers without a stream synchronisation: the host waits for the slot's last copy (its event)
     * before freeing the host buffer; the device block goes back to the backend stream's free list once that stream is
     * ordered after the copy (an event wait on the device), so whoever reuses it there comes after both streams' use.
     */
    private void release(Slot s) {
        DeviceRuntime rt = context.runtime();
        if (s.copyPending) {
            rt.synchronize(s.copied);
            rt.waitEvent(context.baseStream(), s.copied);
            s.copyPending = false;
        }
        if (s.host != null) {
            if (s.arena != null) s.arena.close();
            else pinned.freePinned(s.host);
        }
        if (s.device != null) context.allocator().release(s.device);
        s.host = null;
        s.arena = null;
        s.device = null;
        s.consumedRecorded = false;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        DeviceRuntime rt = context.runtime();
        for (Slot s : slots) {
            release(s);
            if (s.copied != null) rt.destroyEvent(s.copied);
            if (s.consumed != null) rt.destroyEvent(s.consumed);
        }
        if (copyStream != null) rt.destroyStream(copyStream);
    }

    @Override public String toString() { return "input ring '" + what + "' on " + context.device(); }
}
