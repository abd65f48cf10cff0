// The step-parameter block of one captured step (CapturedStep): the per-step scalars its kernels read from device
// memory instead of taking them by value — the optimizers' learning rate, SGD's first-step flag, Adam's bias
// corrections and the rest of their hyper-parameters (CudaOptim's *_hyper_f32 kernels) — so that the graph, captured
// once, replays as it is with each step's new values.
//
// Slots: each op that takes its scalars from here gets one slot of SLOT doubles, in the order the step's ops ask for
// them. While the step is captured (capture()), the ops append slots, write their values into the host mirror and
// give their kernels the slot's device address. When the step is replayed, the host runs the step's parameter pass
// (pass()): the same ops, in the same order, write their new values into the same slots and queue nothing on the
// device (CountingRuntime refuses any device work on the passing thread). A slot remembers the op's signature (the
// kernel and the addresses and sizes it was captured with): a pass whose ops differ is an IllegalStateException
// naming the slot, since the graph would then update other memory than the pass describes. upload() then writes
// every used slot to the device with one asynchronous host-to-device copy (staged: HostStaging) per chunk, queued on
// the backend's stream before the graph launch, so stream order makes the graph read this step's values.
//
// Memory: chunks of device memory from the caching allocator (inside a capture: the capture's private pool), kept for
// the block's lifetime, so a re-capture reuses the same addresses. The first chunk holds FIRST_CHUNK_SLOTS slots (a
// ResNet18 or ViT-S optimizer step in one chunk, one copy); larger steps add chunks.
//
// A capture can also be marked unreplayable (unreplayable(why)): an op whose by-value arguments change every step and
// have no slot (random draws: a Philox counter) — such a step is captured anew each time (CapturedStep).
package ai.lethe.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Per-step scalars of a captured step, on the host and in device memory; used by one thread at a time. */
final class StepParameters {
    /** Doubles in a slot (64 bytes: the largest op, Adam, uses 8). */
    static final int SLOT = 8;
    static final int FIRST_CHUNK_SLOTS = 512;
    static final int CHUNK_SLOTS = 256;

    enum Mode { IDLE, CAPTURE, PASS }

    private record Chunk(CudaAllocator.Block block, int firstSlot, int slots) {}

    private final CudaContext context;
    private final String what;
    private final List<Chunk> chunks = new ArrayList<>();
    private final List<long[]> signatures = new ArrayList<>();   // per slot of the capture
    private double[] host = new double[FIRST_CHUNK_SLOTS * SLOT];
    private int capacity;        // slots in the chunks
    private int used;            // slots used by the capture or pass in progress (or the last one)
    private Mode mode = Mode.IDLE;
    private String unreplayable;

    StepParameters(CudaContext context, String what) {
        this.context = context;
        this.what = what;
    }

    Mode mode() { return mode; }

    /** Starts a capture: the slots are appended anew (their chunks, and so their addresses, are kept). */
    void capture() {
        mode = Mode.CAPTURE;
        signatures.clear();
        used = 0;
        unreplayable = null;
    }

    /** Starts a replay's parameter pass over the captured slots. */
    void pass() {
        mode = Mode.PASS;
        used = 0;
    }

    /** Ends a capture or pass; with {@code check}, a pass must have set every captured slot. */
    void finish(boolean check) {
        Mode m = mode;
        mode = Mode.IDLE;
        if (check && m == Mode.PASS && used != signatures.size())
            throw new IllegalStateException(what + ": the replayed step's parameter pass set " + used + " of the "
                    + signatures.size() + " parameter slots its graph was captured with; the step changed (re-capture it)");
    }

    /** Slots of the capture. */
    int slots() { return signatures.size(); }

    /** Why the capture cannot be replayed as it is, or null. */
    String unreplayable() { return unreplayable; }

    /** Marks the capture in progress as not replayable as it is (see the file comment). */
    void unreplayable(String why) {
        if (mode == Mode.CAPTURE && unreplayable == null) unreplayable = why;
    }

    /**
     * The next slot for an op with {@code signature} (its kernel and addresses), holding {@code values}; returns the
     * slot's device address. In a pass, the signature must be the captured slot's.
     */
    long slot(String kernel, long[] signature, double... values) {
        if (values.length > SLOT) throw new IllegalArgumentException(kernel + ": " + values.length + " step parameters, at most " + SLOT);
        int i = used;
        switch (mode) {
            case CAPTURE -> {
                if (i == capacity) grow();
                signatures.add(sign(kernel, signature));
            }
            case PASS -> {
                if (i >= signatures.size() || !Arrays.equals(signatures.get(i), sign(kernel, signature)))
                    throw new IllegalStateException(what + ": parameter slot " + i + " of the replayed step is " + kernel
                            + Arrays.toString(signature) + ", not what the graph was captured with ("
                            + (i < signatures.size() ? Arrays.toString(signatures.get(i)) : "no such slot")
                            + "); the step changed (re-capture it)");
            }
            case IDLE -> throw new IllegalStateException(kernel + ": no capture or parameter pass in progress");
        }
        System.arraycopy(values, 0, host, i * SLOT, values.length);
        Arrays.fill(host, i * SLOT + values.length, (i + 1) * SLOT, 0);
        used = i + 1;
        return address(i);
    }

    private static long[] sign(String kernel, long[] signature) {
        long[] s = Arrays.copyOf(signature, signature.length + 1);
        s[signature.length] = kernel.hashCode();
        return s;
    }

    private long address(int slot) {
        for (Chunk c : chunks)
            if (slot < c.firstSlot + c.slots) return c.block.pointer() + (long) (slot - c.firstSlot) * SLOT * Double.BYTES;
        throw new IllegalStateException("slot " + slot + " beyond " + capacity);
    }

    /** A new chunk (during a capture: from its private pool). */
    private void grow() {
        int slots = chunks.isEmpty() ? FIRST_CHUNK_SLOTS : CHUNK_SLOTS;
        CudaAllocator.Block b = context.allocator().allocate((long) slots * SLOT * Double.BYTES, context.baseStream());
        chunks.add(new Chunk(b, capacity, slots));
        capacity += slots;
        if (host.length < capacity * SLOT) host = Arrays.copyOf(host, capacity * SLOT);
    }

    /**
     * Queues the used slots' values to the device on the backend's stream (one staged copy per chunk used); returns
     * the copies queued. Not while capturing.
     */
    int upload() {
        int copies = 0;
        MemorySegment src = MemorySegment.ofArray(host);
        for (Chunk c : chunks) {
            int n = Math.min(used, c.firstSlot + c.slots) - c.firstSlot;
            if (n <= 0) break;
            long bytes = (long) n * SLOT * Double.BYTES;
            context.staging().write(src.asSlice((long) c.firstSlot * SLOT * Double.BYTES, bytes), c.block.pointer(), bytes);
            copies++;
        }
        return copies;
    }

    /** Returns the chunks to the allocator (the graph that read them is gone). */
    void release() {
        for (Chunk c : chunks) context.allocator().release(c.block);
        chunks.clear();
        capacity = 0;
        signatures.clear();
        used = 0;
    }
}
