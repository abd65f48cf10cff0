// The emulator's model of stream order between a non-blocking stream and the others (EmulatedRuntime): the emulator
// runs every operation when it is queued, so two streams never really overlap there; this model says when they could
// on a GPU and refuses an operation whose memory another stream touched without an ordering between them — a kernel
// reading a batch before the copy that writes it is known to be done (no cuStreamWaitEvent on an event recorded after
// the copy), or a copy overwriting a buffer the compute stream may still read (a WAR hazard: the ring's reuse).
//
// Rules (the driver's): operations on one stream are ordered; the legacy default stream and blocking streams
// (createStream) are ordered with each other (the legacy stream's implicit synchronisation), so only a non-blocking
// stream (createNonBlockingStream) is tracked against the rest. record(e, S) marks the point of S's queue; waitEvent(T,
// e) orders everything S queued before that point before T's later work; a host synchronisation of a stream, or of an
// event, orders what it waited for before everything queued afterwards. Two accesses conflict when their byte ranges
// overlap, at least one writes, they are on different streams (one of them non-blocking) and no such ordering holds.
// Kernel launches are tracked by their pointer arguments (the first byte of each buffer, read or written: the emulator
// does not know which), copies and memsets by their ranges, GEMMs by their operands' first bytes.
//
// Nothing is tracked until a non-blocking stream exists, so single-stream work pays nothing.
package ai.lethe.backend.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Stream-order bookkeeping of one emulated device; thread-safe. */
final class StreamOrder {
    private record Access(long seq, long lo, long hi, boolean write, String what) {}

    private final Set<Long> nonBlocking = new HashSet<>();
    private final Map<Long, Long> issued = new HashMap<>();                  // stream -> operations queued
    private final Map<Long, List<Access>> accesses = new HashMap<>();        // stream -> accesses not known ordered
    private final Map<Long, Map<Long, Long>> ordered = new HashMap<>();      // T -> S -> S's ops ordered before T's next
    private final Map<Long, long[]> events = new HashMap<>();                // event -> {stream, seq}

    synchronized void nonBlocking(long stream) { nonBlocking.add(stream); }

    synchronized void destroyed(long stream) {
        nonBlocking.remove(stream);
        accesses.remove(stream);
        ordered.remove(stream);
        for (Map<Long, Long> m : ordered.values()) m.remove(stream);
    }

    private boolean tracking() { return !nonBlocking.isEmpty(); }

    /** Checks, then records, an access of bytes [lo, hi) by an operation queued on {@code stream}. */
    synchronized void access(long stream, String what, long lo, long hi, boolean write) {
        if (!tracking() || lo == 0 || hi <= lo) return;
        long seq = issued.merge(stream, 1L, Long::sum);
        for (var e : accesses.entrySet()) {
            long other = e.getKey();
            if (other == stream || !(nonBlocking.contains(other) || nonBlocking.contains(stream))) continue;
            long before = ordered.getOrDefault(stream, Map.of()).getOrDefault(other, 0L);
            for (Access a : e.getValue())
                if (a.seq > before && a.lo < hi && lo < a.hi && (a.write || write))
                    throw new IllegalStateException("stream order: " + what + " on stream " + stream + " touches bytes [0x"
                            + Long.toHexString(lo) + ", 0x" + Long.toHexString(hi) + ") that " + a.what + " on stream " + other
                            + " " + (a.write ? "writes" : "reads") + " with nothing ordering the two (record an event after it"
                            + " and make stream " + stream + " wait for it: cuStreamWaitEvent)");
        }
        accesses.computeIfAbsent(stream, k -> new ArrayList<>()).add(new Access(seq, lo, hi, write, what));
    }

    /** Several one-byte accesses (kernel pointer arguments, GEMM operands). */
    synchronized void pointers(long stream, String what, long[] pointers) {
        if (!tracking()) return;
        for (long p : pointers) if (p != 0) access(stream, what, p, p + 1, true);
    }

    synchronized void record(long event, long stream) {
        events.put(event, new long[] {stream, issued.getOrDefault(stream, 0L)});
    }

    synchronized void waitEvent(long stream, long event) {
        long[] e = events.get(event);
        if (e == null || e[0] == stream) return;   // never recorded: the wait is a no-op, as on the driver
        ordered.computeIfAbsent(stream, k -> new HashMap<>()).merge(e[0], e[1], Math::max);
        prune(e[0]);
    }

    /** The host waited for {@code stream}: its work so far is ordered before everything. */
    synchronized void synchronizedStream(long stream) { completed(stream, issued.getOrDefault(stream, 0L)); }

    synchronized void synchronizedEvent(long event) {
        long[] e = events.get(event);
        if (e != null) completed(e[0], e[1]);
    }

    synchronized void destroyedEvent(long event) { events.remove(event); }

    private void completed(long stream, long seq) {
        List<Access> list = accesses.get(stream);
        if (list != null) list.removeIf(a -> a.seq <= seq);
    }

    /** Drops the accesses of {@code stream} that every other stream is ordered after. */
    private void prune(long stream) {
        List<Access> list = accesses.get(stream);
        if (list == null) return;
        long min = Long.MAX_VALUE;
        for (long other : issued.keySet())
            if (other != stream && (nonBlocking.contains(stream) || nonBlocking.contains(other)))
                min = Math.min(min, ordered.getOrDefault(other, Map.of()).getOrDefault(stream, 0L));
        if (min == Long.MAX_VALUE) return;
        for (Iterator<Access> it = list.iterator(); it.hasNext(); ) if (it.next().seq <= min) it.remove();
    }
}
