// The CUDA emulator's byte counting (cuda-kernels/emu/bytes.cpp; DESIGN.md "Bytes moved"): while it is on, each launch
// runs the kernel's byte-counting twin — the same source compiled with every load, store and atomic instrumented — and
// adds the bytes of device memory it read and wrote to the kernel's counts and to the totals behind
// DeviceRuntime.kernelBytes() (so DeviceCounters.bytesRead/bytesWritten). Off by default: the twins are slower.
// Turned on for a stretch of code with on() (try-with-resources restores the previous state), for the process with
// -Dlethe.emu.count-bytes=true or LETHE_EMU_COUNT_BYTES=1 (read when the emulator is first opened). The switch is the
// library's, shared by every EmulatedRuntime of the process.
package ai.lethe.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Locale;

public final class EmulatorBytes {
    /** One kernel's launches while counting was on and the bytes they read and wrote. */
    public record KernelTraffic(String kernel, long countedLaunches, long read, long written) {
        public long total() { return read + written; }

        public KernelTraffic minus(KernelTraffic earlier) {
            return new KernelTraffic(kernel, countedLaunches - earlier.countedLaunches, read - earlier.read,
                    written - earlier.written);
        }
    }

    /** Counted totals: bytes, counted launches, and launches of kernels without a twin made while counting was on. */
    public record Totals(KernelBytes bytes, long countedLaunches, long uncountedLaunches) {}

    private static final ValueLayout A = ValueLayout.ADDRESS, I = ValueLayout.JAVA_INT;
    private static volatile EmulatorBytes instance;

    private final MethodHandle set, get, twins, totals, kernel;

    private EmulatorBytes(SymbolLookup lookup) {
        set = bind(lookup, "lethe_emu_set_byte_counting", FunctionDescriptor.of(I, I));
        get = bind(lookup, "lethe_emu_byte_counting", FunctionDescriptor.of(I));
        twins = bind(lookup, "lethe_emu_counted_kernel_count", FunctionDescriptor.of(I));
        totals = bind(lookup, "lethe_emu_bytes", FunctionDescriptor.ofVoid(A, A, A, A));
        kernel = bind(lookup, "lethe_emu_kernel_bytes", FunctionDescriptor.of(I, A, A, A, A));
    }

    /** The counting of the emulator library at {@code library} (one per process: the library is loaded once). */
    static EmulatorBytes of(Path library) {
        EmulatorBytes b = instance;
        if (b != null) return b;
        synchronized (EmulatorBytes.class) {
            if (instance == null) {
                instance = new EmulatorBytes(SymbolLookup.libraryLookup(library, Arena.global()));
                if (requestedByEnvironment()) instance.setCounting(true);
            }
            return instance;
        }
    }

    private static boolean requestedByEnvironment() {
        String v = System.getProperty("lethe.emu.count-bytes");
        if (v == null) v = System.getenv("LETHE_EMU_COUNT_BYTES");
        return v != null && (v.equals("1") || v.toLowerCase(Locale.ROOT).equals("true"));
    }

    private static MethodHandle bind(SymbolLookup lookup, String name, FunctionDescriptor d) {
        MemorySegment s = lookup.find(name).orElseThrow(
                () -> new IllegalStateException(EmulatedRuntime.LIBRARY_NAME + " lacks " + name + " (rebuild it: mvn package)"));
        return Linker.nativeLinker().downcallHandle(s, d);
    }

    /** Whether launches are counted now. */
    public boolean counting() {
        try {
            return (int) get.invokeExact() != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Turns counting on or off for the launches that follow. */
    public void setCounting(boolean on) {
        try {
            int rc = (int) set.invokeExact(on ? 1 : 0);
            if (rc != 0) throw new IllegalStateException("lethe_emu_set_byte_counting failed: " + rc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A stretch of counted launches: counting is on until close(), then as it was before. */
    public interface On extends AutoCloseable {
        @Override void close();
    }

    /** Turns counting on; close() restores the state before (try-with-resources). */
    public On on() {
        boolean before = counting();
        setCounting(true);
        return () -> setCounting(before);
    }

    /** How many kernels have a byte-counting twin (every production kernel of cuda-kernels/). */
    public int countedKernels() {
        try {
            return (int) twins.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The totals since the process started. */
    public Totals totals() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 4);
            totals.invokeExact(out, out.asSlice(8), out.asSlice(16), out.asSlice(24));
            return new Totals(new KernelBytes(out.getAtIndex(ValueLayout.JAVA_LONG, 0), out.getAtIndex(ValueLayout.JAVA_LONG, 1)),
                    out.getAtIndex(ValueLayout.JAVA_LONG, 2), out.getAtIndex(ValueLayout.JAVA_LONG, 3));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The counts of one kernel since the process started; an IllegalArgumentException for an unknown kernel. */
    public KernelTraffic kernel(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 3);
            int rc = (int) kernel.invokeExact(a.allocateFrom(name), out, out.asSlice(8), out.asSlice(16));
            if (rc != 0) throw new IllegalArgumentException("EmulatorBytes.kernel: the emulator has no kernel named " + name);
            return new KernelTraffic(name, out.getAtIndex(ValueLayout.JAVA_LONG, 0), out.getAtIndex(ValueLayout.JAVA_LONG, 1),
                    out.getAtIndex(ValueLayout.JAVA_LONG, 2));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }
}
