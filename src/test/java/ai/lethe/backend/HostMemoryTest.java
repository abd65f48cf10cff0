// The host allocator: size classes, reuse of freed blocks, the cache bound, emptyCache and the counters.
package ai.lethe.backend;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import org.junit.jupiter.api.Test;

class HostMemoryTest {
    @Test void sizeClassesRoundUpByAtMostAQuarter() {
        assertEquals(64, HostMemory.sizeClass(1));
        assertEquals(448, HostMemory.sizeClass(400));
        assertEquals(4096, HostMemory.sizeClass(4096));
        assertEquals(5120, HostMemory.sizeClass(4097));
        for (long b = 1; b < 50_000_000; b = b * 3 + 7) {
            long c = HostMemory.sizeClass(b);
            assertTrue(c >= b && c % HostMemory.ALIGNMENT == 0 && (c <= 4096 || c <= b * 1.25 + 64), b + " -> " + c);
        }
    }

    @Test void freedBlocksAreReusedAndCounted() {
        HostMemory m = new HostMemory(Device.CPU, 1 << 20);
        HostStorage a = m.allocate(10_000);
        long address = a.segment().address();
        a.release();
        assertEquals(0, m.stats().liveBytes());
        assertEquals(HostMemory.sizeClass(10_000), m.cachedBytes());
        HostStorage b = m.allocate(9_500);   // same size class
        assertEquals(address, b.segment().address());
        assertEquals(0, m.cachedBytes());
        assertEquals(HostMemory.sizeClass(9_500), m.stats().liveBytes());
        assertEquals(2, m.stats().allocations());
        b.release();
        m.emptyCache();
        assertEquals(0, m.cachedBytes());
    }

    @Test void theCacheStaysWithinItsLimit() {
        HostMemory m = new HostMemory(Device.CPU, 100_000);
        HostStorage[] s = new HostStorage[5];
        for (int i = 0; i < s.length; i++) s[i] = m.allocate(40_000);
        for (HostStorage x : s) x.release();
        assertTrue(m.cachedBytes() <= 100_000, "cached " + m.cachedBytes());
        assertEquals(2 * HostMemory.sizeClass(40_000), m.cachedBytes());
        m.emptyCache();
    }
}
