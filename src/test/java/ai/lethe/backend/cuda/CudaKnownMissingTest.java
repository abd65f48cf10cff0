// Keeps the known-missing list honest (ai.lethe.testing.KnownMissing): every compute op of the Backend SPI is
// declared by exactly one family of the CUDA backend (CudaMath, CudaLinalg, CudaNn, CudaOptim, CudaUnlearning,
// CudaAttention), and
// the ops whose family method is still a stub (throws CudaBackend.notYet) are exactly the listed ones — an op
// implemented but still listed fails here, and so does a stub nobody listed. The stubs are found by calling each
// family method with null arguments: a stub throws "<op> is not on cuda yet (issue 14)" before touching them.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.Backend;
import ai.lethe.testing.KnownMissing;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CudaKnownMissingTest {
    /** SPI methods CudaBackend serves itself (identity and memory), not through a family. */
    private static final Set<String> OWN = Set.of("name", "priority", "availability", "device", "allocate",
            "memoryStats", "resetPeakBytes", "write", "read", "copy", "fill");

    private static final List<Class<?>> FAMILIES =
            List.of(CudaMath.class, CudaLinalg.class, CudaNn.class, CudaOptim.class, CudaUnlearning.class,
                    CudaTopK.class, CudaAttention.class);

    /** Family of each op it declares. */
    private static Map<String, Class<?>> owners() {
        Map<String, Class<?>> owner = new TreeMap<>();
        for (Class<?> f : FAMILIES)
            for (Method m : f.getDeclaredMethods()) {
                if (Modifier.isPrivate(m.getModifiers()) || Modifier.isStatic(m.getModifiers()) || m.isSynthetic()) continue;
                Class<?> before = owner.put(m.getName(), f);
                if (before != null && before != f)
                    fail(m.getName() + " is declared by both " + before.getSimpleName() + " and " + f.getSimpleName());
            }
        return owner;
    }

    @Test void everyComputeOpOfTheSpiHasExactlyOneFamily() {
        Map<String, Class<?>> owner = owners();
        Set<String> missing = new TreeSet<>();
        for (Method m : Backend.class.getMethods())
            if (!OWN.contains(m.getName()) && !owner.containsKey(m.getName())) missing.add(m.getName());
        assertEquals(Set.of(), missing, "SPI ops no CUDA family declares");
    }

    @Test void theStubsAreExactlyTheKnownMissingOps() throws Exception {
        Set<String> stubs = new TreeSet<>();
        for (Class<?> f : FAMILIES) {
            var ctor = f.getDeclaredConstructor(CudaContext.class);
            Object family = ctor.newInstance((Object) null);
            for (Method m : f.getDeclaredMethods()) {
                if (Modifier.isPrivate(m.getModifiers()) || Modifier.isStatic(m.getModifiers()) || m.isSynthetic()) continue;
                if (!isSpiOp(m.getName())) continue;
                m.setAccessible(true);
                Object[] args = new Object[m.getParameterCount()];
                Class<?>[] types = m.getParameterTypes();
                for (int i = 0; i < args.length; i++) args[i] = zero(types[i]);
                try {
                    m.invoke(family, args);
                } catch (InvocationTargetException e) {
                    Optional<String> op = KnownMissing.missingOp(e.getCause());
                    if (op.isPresent()) {
                        assertEquals(m.getName(), op.get(), "the stub of " + m.getName() + " names another op");
                        stubs.add(op.get());
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(KnownMissing.ops("cuda-emu")), stubs,
                "KnownMissing must list exactly the CUDA stubs (remove an op from it when you implement it)");
        assertEquals(KnownMissing.ops("cuda-emu"), KnownMissing.ops("cuda"), "one class serves cuda and cuda-emu");
    }

    private static boolean isSpiOp(String name) {
        for (Method m : Backend.class.getMethods()) if (m.getName().equals(name)) return true;
        return false;
    }

    private static Object zero(Class<?> t) {
        if (!t.isPrimitive()) return null;
        if (t == boolean.class) return false;
        if (t == int.class) return 0;
        if (t == long.class) return 0L;
        if (t == float.class) return 0f;
        if (t == double.class) return 0.0;
        throw new IllegalArgumentException("no zero for " + t);
    }
}
