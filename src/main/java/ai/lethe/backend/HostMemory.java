// Host (off-heap) memory for the ref and cpu backends: 64-byte aligned blocks from libc, so native kernels
// read them with no copy, freed explicitly (no Arena.ofAuto, no finalizers), counted for leak tests.
package ai.lethe.backend;

import ai.lethe.tensor.Device;
import ai.lethe.tensor.LetheException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicLong;

public final class HostMemory {
    /** Alignment of every block: a cache line, enough for AVX-512 loads. */
    public static final long ALIGNMENT = 64;

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
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();
    private final AtomicLong frees = new AtomicLong();

    public HostMemory(Device device) { this.device = device; }

    /** Allocates {@code bytes} uninitialised bytes. */
    public HostStorage allocate(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("allocate: negative size " + bytes);
        long rounded = Math.max(ALIGNMENT, (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
        MemorySegment p;
        try {
            p = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, rounded);
        } catch (Throwable t) {
            throw new LetheException("aligned_alloc(" + rounded + ") failed", t);
        }
        if (p.address() == 0) throw new OutOfMemoryError("host memory: cannot allocate " + rounded + " bytes on " + device);
        long now = live.addAndGet(bytes);
        peak.accumulateAndGet(now, Math::max);
        allocations.incrementAndGet();
        return new HostStorage(this, p.reinterpret(bytes), bytes);
    }

    void free(MemorySegment segment, long bytes) {
        try {
            FREE.invokeExact(segment);
        } catch (Throwable t) {
            throw new LetheException("free failed", t);
        }
        live.addAndGet(-bytes);
        frees.incrementAndGet();
    }

    public Device device() { return device; }

    public MemoryStats stats() { return new MemoryStats(live.get(), peak.get(), allocations.get(), frees.get()); }

    /** Sets the peak counter to the bytes in use now. */
    public void resetPeak() { peak.set(live.get()); }
}
