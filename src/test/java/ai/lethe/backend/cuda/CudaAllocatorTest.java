// The CUDA backend's caching allocator over the emulated device: size classes, reuse of a freed block of the same
// class and stream without asking the runtime again, no reuse across streams, live/peak/allocation counters and
// resetPeak, returning the cache, and an out-of-memory error that states the bytes requested.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.MemoryStats;
import org.junit.jupiter.api.Test;

class CudaAllocatorTest {
    @Test void sizeClassesAre512ByteStepsThenQuarterPowers() {
        assertEquals(512, CudaAllocator.sizeClass(0));
        assertEquals(512, CudaAllocator.sizeClass(1));
        assertEquals(1024, CudaAllocator.sizeClass(513));
        assertEquals(1 << 20, CudaAllocator.sizeClass(1 << 20));
        assertEquals((1 << 20) + (1 << 18), CudaAllocator.sizeClass((1 << 20) + 1));
        assertEquals(3L << 29, CudaAllocator.sizeClass((5L << 28) + 1));
        for (long b = 1; b < (1L << 34); b = b * 3 + 1) {
            long c = CudaAllocator.sizeClass(b);
            assertTrue(c >= b && (b <= (1 << 20) ? c - b < 512 : c < b * 1.25), b + " -> " + c);
        }
    }

    @Test void aFreedBlockIsReusedForItsClassAndStreamOnly() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            CudaAllocator a = new CudaAllocator(rt);
            CudaAllocator.Block b1 = a.allocate(1000, Stream.DEFAULT);
            assertEquals(1024, b1.size());
            assertEquals(1, a.runtimeAllocations());
            a.release(b1);
            assertEquals(1024, a.cachedBytes());
            CudaAllocator.Block b2 = a.allocate(700, Stream.DEFAULT);   // the same class
            assertEquals(b1.pointer(), b2.pointer());
            assertEquals(1, a.runtimeAllocations(), "served from the cache");
            a.release(b2);
            Stream other = rt.createStream();
            CudaAllocator.Block b3 = a.allocate(1000, other);
            assertNotEquals(b1.pointer(), b3.pointer(), "not reused across streams");
            assertEquals(2, a.runtimeAllocations());
            a.release(b3);
            assertEquals(2048, a.emptyCache());
            assertEquals(0, a.cachedBytes());
        }
    }

    @Test void liveAndPeakCountClassBytesAndPeakResets() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            CudaAllocator a = new CudaAllocator(rt);
            CudaAllocator.Block x = a.allocate(100, Stream.DEFAULT), y = a.allocate(3000, Stream.DEFAULT);
            assertEquals(new MemoryStats(512 + 3072, 512 + 3072, 2, 0), a.stats());
            a.release(y);
            assertEquals(new MemoryStats(512, 512 + 3072, 2, 1), a.stats());
            a.resetPeak();
            assertEquals(512, a.stats().peakBytes());
            a.release(x);
            assertEquals(0, a.stats().liveBytes());
        }
    }

    @Test void outOfMemoryStatesTheBytesRequested() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            CudaAllocator a = new CudaAllocator(rt);
            a.release(a.allocate(4096, Stream.DEFAULT));
            long huge = 1L << 50;
            var e = assertThrows(CudaOutOfMemoryException.class, () -> a.allocate(huge, Stream.DEFAULT));
            assertEquals(huge, e.requestedBytes());
            assertTrue(e.getMessage().contains("cannot allocate " + huge + " bytes"), e.getMessage());
            assertEquals(0, a.cachedBytes(), "the cache was returned before giving up");
        }
    }
}
