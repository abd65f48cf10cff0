// HostStaging with a runtime that offers pinned memory (PinnedHostMemory): a CudaBackend built through its public
// constructor over such a runtime (here the emulator behind a wrapper that hands out and counts "pinned" blocks)
// stages host copies through its few pinned slots (HostStaging.SLOTS), each grown when a copy needs more, the
// outgrown buffer freed back to the runtime.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PinnedStagingTest {
    /** Pinned host memory (plain native memory, counted); the rest of the runtime is the emulator, by a proxy. */
    static final class Pinned implements PinnedHostMemory {
        final Map<Long, Arena> blocks = new HashMap<>();
        int allocations, frees;

        @Override public MemorySegment allocatePinned(long bytes) {
            Arena a = Arena.ofShared();
            MemorySegment m = a.allocate(bytes, 64);
            blocks.put(m.address(), a);
            allocations++;
            return m;
        }

        @Override public void freePinned(MemorySegment memory) {
            blocks.remove(memory.address()).close();
            frees++;
        }
    }

    /** The emulator as a DeviceRuntime that also offers {@code pinned} (a proxy: it follows the interface as it grows). */
    static DeviceRuntime withPinned(EmulatedRuntime rt, Pinned pinned) {
        return (DeviceRuntime) Proxy.newProxyInstance(DeviceRuntime.class.getClassLoader(),
                new Class<?>[] {DeviceRuntime.class, PinnedHostMemory.class}, (proxy, m, args) -> {
                    try {
                        return m.getDeclaringClass() == PinnedHostMemory.class ? m.invoke(pinned, args) : m.invoke(rt, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test void hostCopiesGoThroughPinnedSlotsGrownOnDemand() {
        Pinned rt = new Pinned();
        try (EmulatedRuntime emulator = EmulatorSupport.open()) {
            CudaBackend b = new CudaBackend("cuda-pinned-test", -1, withPinned(emulator, rt));
            assertTrue(b.availability().available(), b.availability().reason());
            Storage s = b.allocate(40_000 * 4L);
            try {
                float[] small = {1, 2, 3}, large = new float[40_000], back = new float[40_000];
                for (int i = 0; i < large.length; i++) large[i] = i * 0.5f;
                View v3 = new View(s, DType.FLOAT32, 0, new long[] {3}, new long[] {1});
                View all = new View(s, DType.FLOAT32, 0, new long[] {40_000}, new long[] {1});
                for (int i = 0; i < 10; i++) b.write(MemorySegment.ofArray(small), v3);
                assertEquals(HostStaging.SLOTS, rt.allocations, "repeated small copies rotate through the pinned slots");
                b.synchronize();   // every slot's copy is done: the next copies reuse them without waiting
                b.write(MemorySegment.ofArray(large), all);   // 160 KB > 64 KiB: one slot grown
                b.read(all, MemorySegment.ofArray(back));     // waits for the write; the grown slot is free again
                assertArrayEquals(large, back);
                assertEquals(HostStaging.SLOTS + 1, rt.allocations);
                assertEquals(1, rt.frees, "the outgrown buffer went back to the runtime");
                assertTrue(b.staging().pinned());
            } finally {
                s.release();
            }
        }
    }
}
