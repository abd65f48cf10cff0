// The C environment of this process (libc's getenv/setenv/unsetenv through FFM), for the variables native
// libraries read once when they are loaded: GOMP_SPINCOUNT for libgomp, OPENBLAS_CORETYPE and
// OPENBLAS_NUM_THREADS for OpenBLAS. System.getenv is a snapshot taken at start-up and cannot change them.
package ai.lethe.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.LinkedHashMap;
import java.util.Map;

final class ProcessEnvironment {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETENV = libc("getenv", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle SETENV = libc("setenv",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle UNSETENV = libc("unsetenv", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    private ProcessEnvironment() {}

    private static MethodHandle libc(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(
                () -> new IllegalStateException("libc has no " + name)), d);
    }

    /** The variable's current value in the C environment, or null. */
    static String get(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = (MemorySegment) GETENV.invokeExact(arena.allocateFrom(name));
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException("getenv(" + name + ") failed", t);
        }
    }

    /** Sets (value non-null) or removes (value null) a variable of the C environment. */
    static void set(String name, String value) {
        try (Arena arena = Arena.ofConfined()) {
            int status = value == null ? (int) UNSETENV.invokeExact(arena.allocateFrom(name))
                    : (int) SETENV.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 1);
            if (status != 0) throw new IllegalStateException((value == null ? "unsetenv(" : "setenv(") + name + ") failed");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setenv(" + name + ") failed", t);
        }
    }

    /**
     * Sets the variables for the lifetime of the returned handle (a library's load), then puts back what was
     * there: {@code try (var env = ProcessEnvironment.override(Map.of(...))) { dlopen ... }}.
     */
    static Restore override(Map<String, String> values) {
        Map<String, String> previous = new LinkedHashMap<>();
        for (var e : values.entrySet()) {
            previous.put(e.getKey(), get(e.getKey()));
            set(e.getKey(), e.getValue());
        }
        return new Restore(previous);
    }

    /** Restores the variables an override changed. */
    record Restore(Map<String, String> previous) implements AutoCloseable {
        @Override public void close() { previous.forEach(ProcessEnvironment::set); }
    }
}
