// CheckedBackend is the one layer that checks the SPI's arguments: every kernel method of Backend, called through it
// with views that reach past their storage, throws IllegalArgumentException naming the op before the implementation
// sees the call (a recording proxy stands in for the implementation); a valid call arrives unchanged; identity and
// memory methods pass straight through; and Backends hands out only checked backends.
package ai.lethe.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.ref.RefBackend;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CheckedBackendTest {
    private static final Set<String> PASSED_THROUGH =
            Set.of("name", "priority", "availability", "device", "allocate", "memoryStats", "resetPeakBytes");

    private final RefBackend host = new RefBackend();   // supplies real host storage for the views
    private final List<String> calls = new ArrayList<>();
    private final Backend recorder = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
            new Class<?>[] {Backend.class}, (proxy, m, args) -> {
                calls.add(m.getName());
                return switch (m.getName()) {
                    case "name" -> "recorder";
                    case "device" -> new Device("ref", 0);
                    case "toString" -> "recorder";
                    default -> defaultFor(m.getReturnType());
                };
            });
    private final Backend checked = new CheckedBackend(recorder);

    @Test void everyBackendMethodIsImplementedByTheLayerItself() throws NoSuchMethodException {
        for (Method m : Backend.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) continue;
            Method own = CheckedBackend.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
            assertFalse(own.isDefault(), m.getName());
        }
    }

    @Test void everyKernelRejectsAViewPastItsStorageBeforeTheImplementationRuns() throws Exception {
        Storage tiny = host.allocate(16);                      // 4 floats
        View pastTheEnd = new View(tiny, DType.FLOAT32, 0, new long[] {1000}, new long[] {1});
        int kernels = 0;
        for (Method m : Backend.class.getMethods()) {
            if (PASSED_THROUGH.contains(m.getName()) || Modifier.isStatic(m.getModifiers())) continue;
            List<Class<?>> types = List.of(m.getParameterTypes());
            assertTrue(types.contains(View.class) || types.contains(View[].class) || types.contains(List.class),
                    m.getName() + " is a kernel with views");
            calls.clear();
            Object[] args = arguments(m, pastTheEnd);
            try {
                m.invoke(checked, args);
                fail(m.getName() + ": a view of 1000 floats on a 16-byte storage was accepted");
            } catch (InvocationTargetException e) {
                Throwable t = e.getCause();
                assertInstanceOf(IllegalArgumentException.class, t, m.getName() + ": " + t);
                assertTrue(t.getMessage().contains("out of bounds") || t.getMessage().contains("storage"),
                        m.getName() + ": " + t.getMessage());
            }
            assertEquals(List.of(), calls, m.getName() + " reached the implementation");
            kernels++;
        }
        assertTrue(kernels >= 40, "kernels checked: " + kernels);
        tiny.release();
    }

    @Test void aValidCallArrivesUnchangedAndIdentityPassesThrough() {
        Storage s = host.allocate(16);
        View four = new View(s, DType.FLOAT32, 0, new long[] {4}, new long[] {1});
        checked.fill(four, 2.5);
        checked.read(four, MemorySegment.ofArray(new float[4]));
        assertEquals(List.of("fill", "read"), calls);
        calls.clear();
        assertEquals("recorder", checked.name());
        checked.resetPeakBytes();
        checked.allocate(8);
        assertEquals(List.of("name", "resetPeakBytes", "allocate"), calls);
        assertSame(recorder, Backends.implementation(checked));
        s.release();
    }

    @Test void backendsHandsOutOnlyCheckedBackends() {
        for (Backend b : Backends.all()) {
            assertInstanceOf(CheckedBackend.class, b, b.name());
            assertFalse(Backends.implementation(b) instanceof CheckedBackend, b.name());
            assertSame(b, Backends.byName(b.name()));
        }
        assertThrows(IllegalArgumentException.class, () -> new CheckedBackend(Backends.byName("ref")));
    }

    /** Arguments for {@code m}: the bad view for every View, valid values for everything else. */
    private static Object[] arguments(Method m, View bad) {
        Class<?>[] types = m.getParameterTypes();
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            Class<?> t = types[i];
            if (t == View.class) args[i] = bad;
            else if (t == View[].class) args[i] = new View[] {bad};
            else if (t == List.class) args[i] = List.of(bad);   // the multi-tensor kernels take lists of views
            else if (t.isEnum()) args[i] = t.getEnumConstants()[0];
            else if (t == Conv2dGeometry.class) args[i] = new Conv2dGeometry(2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1);
            else if (t == Pool2dGeometry.class) args[i] = new Pool2dGeometry(2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 4, 4, false);
            else if (t == SgdParams.class) args[i] = new SgdParams(0.1, 0.9, 0, 0, false, false, true);
            else if (t == AdamParams.class) args[i] = new AdamParams(1e-3, 0.9, 0.999, 1e-8, 0, false, false, 1);
            else if (t == MemorySegment.class) args[i] = MemorySegment.ofArray(new byte[1 << 14]);
            else if (t == long[].class) args[i] = new long[1 << 16];
            else args[i] = defaultFor(t);
            assertNotNull(args[i], m.getName() + ": no value for " + t);
        }
        return args;
    }

    private static Object defaultFor(Class<?> t) {
        if (t == int.class) return 1;
        if (t == long.class) return 1L;
        if (t == double.class) return 1.0;
        if (t == float.class) return 1f;
        if (t == boolean.class) return false;
        return null;
    }
}
