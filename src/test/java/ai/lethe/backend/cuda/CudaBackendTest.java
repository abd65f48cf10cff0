// The CUDA backend's own half on cuda-emu (the emulated device, running cuda-kernels/ on the CPU): registration (a
// ServiceLoader backend named cuda-emu that is never the default), host <-> device copies of heap and native
// segments, strided copy with every dtype conversion and fill against the ref backend bit for bit (the same initial
// contents in both storages, so untouched elements are compared too), overlapping copies, and the checks on foreign
// or freed storage. The allocator and the known-missing list have their own tests.
package ai.lethe.backend.cuda;

import static ai.lethe.backend.cuda.StorageValues.contents;
import static ai.lethe.backend.cuda.StorageValues.hostOf;
import static ai.lethe.backend.cuda.StorageValues.whole;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CudaBackendTest {
    private final List<Storage> storages = new ArrayList<>();

    /** cuda-emu, available (as EmulatorSupport: a failure unless the build made CUDA optional). */
    static Backend emu() {
        EmulatorSupport.open().close();
        Backend b = Backends.byName("cuda-emu");
        assertTrue(b.availability().available(), b.availability().reason());
        return b;
    }

    private static Backend ref() { return Backends.byName("ref"); }

    @AfterEach void release() {
        for (Storage s : storages) if (!s.isFreed()) s.release();
    }

    /** A storage of n elements of dtype on b holding init (converted: int64 values as longs). */
    private Storage storage(Backend b, DType dtype, double[] init) {
        Storage s = b.allocate((long) init.length * dtype.byteSize());
        storages.add(s);
        b.write(hostOf(dtype, init), whole(s, dtype, init.length));
        return s;
    }




    private static double[] values(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = Math.round(r.nextGaussian() * 1000) / 64.0 + (i % 7 == 0 ? 0.5 : 0);
        return v;
    }

    /**
     * Runs op on ref and on cuda-emu over storages with the same initial contents (sizes n0, n1) and compares the
     * second storage's full contents exactly.
     */
    private void sameAsRef(DType t0, int n0, DType t1, int n1, BiConsumer<Backend, Storage[]> op) {
        double[] init0 = values(n0, 1), init1 = values(n1, 2);
        Backend emu = emu(), ref = ref();
        Storage[] r = {storage(ref, t0, init0), storage(ref, t1, init1)};
        Storage[] e = {storage(emu, t0, init0), storage(emu, t1, init1)};
        op.accept(ref, r);
        op.accept(emu, e);
        assertArrayEquals(contents(ref, r[1], t1, n1), contents(emu, e[1], t1, n1));
        assertArrayEquals(contents(ref, r[0], t0, n0), contents(emu, e[0], t0, n0), "the source is unchanged");
    }

    // ---- registration --------------------------------------------------------------------------------------

    @Test void registeredAsCudaEmuAndNeverTheDefault() {
        Backend b = Backends.byName("cuda-emu");
        assertTrue(Backends.implementation(b) instanceof CudaBackend, "registered as a service");
        assertTrue(b instanceof ai.lethe.backend.CheckedBackend, "handed out behind the SPI checks");
        assertEquals(new Device("cuda-emu", 0), b.device());
        assertTrue(b.priority() < 0, "a negative priority keeps it from being the default");
        assertEquals("cuda-emu", Device.parse("cuda-emu").type());
        if (System.getProperty("lethe.device") == null && System.getenv("LETHE_DEVICE") == null)
            assertNotEquals("cuda-emu", Backends.defaultDevice().type());
        assertTrue(emu().availability().reason().contains("CUDA emulator"), emu().availability().reason());
    }

    // ---- host copies ---------------------------------------------------------------------------------------

    @Test void writeAndReadRoundTripHeapAndNativeSegmentsAtAnOffset() {
        Backend b = emu();
        ((CudaBackend) Backends.implementation(b)).emptyCache();  // a fresh (NaN-filled) allocation, not a block other tests cached
        Storage s = b.allocate(40 * 4);
        storages.add(s);
        View window = new View(s, DType.FLOAT32, 3, new long[] {5, 7}, new long[] {7, 1});
        float[] v = new float[35];
        for (int i = 0; i < v.length; i++) v[i] = i * 0.5f - 3;
        b.write(MemorySegment.ofArray(v), window);
        float[] back = new float[35];
        b.read(window, MemorySegment.ofArray(back));
        assertArrayEquals(v, back);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(35 * 4L, 64);
            b.read(window, n);
            assertArrayEquals(v, n.toArray(ValueLayout.JAVA_FLOAT));
            n.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 42f);
            b.write(n, window);
            b.read(window, MemorySegment.ofArray(back));
            assertEquals(42f, back[0]);
        }
        float[] all = new float[40];
        b.read(whole(s, DType.FLOAT32, 40), MemorySegment.ofArray(all));
        assertTrue(Float.isNaN(all[0]) && Float.isNaN(all[39]), "memory outside the window stays unwritten (NaN)");
    }

    @Test void heapCopiesReuseTheStagingBuffers() {
        CudaBackend b = (CudaBackend) Backends.implementation(emu());
        Storage s = b.allocate(4096 * 4);
        storages.add(s);
        View v = whole(s, DType.FLOAT32, 4096);
        float[] data = new float[4096];
        b.write(MemorySegment.ofArray(data), v);   // a write leaves its staging buffer in flight until a synchronisation
        b.read(v, MemorySegment.ofArray(data));    // so the read may take (and grow) another one
        long grown = b.staging().allocations();
        for (int i = 0; i < 5; i++) {
            b.write(MemorySegment.ofArray(data), v);
            b.read(v, MemorySegment.ofArray(data));
        }
        assertEquals(grown, b.staging().allocations(), "no allocation per copy");
        assertTrue(b.staging().capacity() >= 4096 * 4);
        assertTrue(!b.staging().pinned(), "the emulator offers no pinned memory");
    }

    // ---- copy ----------------------------------------------------------------------------------------------

    @Test void copyOfATransposedWindowMatchesRef() {
        sameAsRef(DType.FLOAT32, 60, DType.FLOAT32, 50, (b, s) -> b.copy(
                new View(s[0], DType.FLOAT32, 2, new long[] {4, 5}, new long[] {1, 6}),
                new View(s[1], DType.FLOAT32, 7, new long[] {4, 5}, new long[] {10, 2})));
    }

    @Test void copyConvertsEveryDtypePairAsRefDoes() {
        for (DType from : DType.values())
            for (DType to : DType.values())
                sameAsRef(from, 30, to, 30, (b, s) -> b.copy(
                        new View(s[0], from, 1, new long[] {3, 4}, new long[] {8, 2}),
                        new View(s[1], to, 0, new long[] {3, 4}, new long[] {4, 1})));
    }

    @Test void floatToInt64TruncatesSaturatesAndMapsNaNToZero() {
        Backend b = emu();
        double[] special = {2.7, -2.7, Double.NaN, 1e30, -1e30, 0.999, -0.0};
        Storage src = storage(b, DType.FLOAT32, special), dst = storage(b, DType.INT64, new double[special.length]);
        b.copy(whole(src, DType.FLOAT32, special.length), whole(dst, DType.INT64, special.length));
        long[] out = new long[special.length];
        b.read(whole(dst, DType.INT64, special.length), MemorySegment.ofArray(out));
        assertArrayEquals(new long[] {2, -2, 0, Long.MAX_VALUE, Long.MIN_VALUE, 0, 0}, out);
    }

    @Test void int64CopiesExactlyBeyondDoublePrecision() {
        Backend b = emu();
        long big = (1L << 62) + 1;
        Storage src = b.allocate(16), dst = b.allocate(16);
        storages.add(src);
        storages.add(dst);
        b.write(MemorySegment.ofArray(new long[] {big, -big}), whole(src, DType.INT64, 2));
        b.copy(new View(src, DType.INT64, 1, new long[] {2}, new long[] {-1}), whole(dst, DType.INT64, 2));
        long[] out = new long[2];
        b.read(whole(dst, DType.INT64, 2), MemorySegment.ofArray(out));
        assertArrayEquals(new long[] {-big, big}, out);
    }

    @Test void aBroadcastSourceFillsEveryRow() {
        sameAsRef(DType.FLOAT32, 10, DType.FLOAT32, 40, (b, s) -> b.copy(
                new View(s[0], DType.FLOAT32, 3, new long[] {6, 5}, new long[] {0, 1}),
                new View(s[1], DType.FLOAT32, 4, new long[] {6, 5}, new long[] {6, 1})));
    }

    @Test void anOverlappingCopyReadsTheSourceBeforeWritingIt() {
        double[] init = values(20, 3);
        Backend emu = emu(), ref = ref();
        for (Backend b : List.of(ref, emu)) {
            Storage s = storage(b, DType.FLOAT32, init);
            // dst = src shifted by 3 elements, in the same storage, walked in opposite directions
            b.copy(new View(s, DType.FLOAT32, 0, new long[] {15}, new long[] {1}),
                    new View(s, DType.FLOAT32, 17, new long[] {15}, new long[] {-1}));
        }
        assertArrayEquals(contents(ref, storages.get(0), DType.FLOAT32, 20), contents(emu, storages.get(1), DType.FLOAT32, 20));
    }

    @Test void aContiguousCopyIsADeviceMemcpyAndExact() {
        sameAsRef(DType.FLOAT64, 1000, DType.FLOAT64, 1200, (b, s) -> b.copy(
                new View(s[0], DType.FLOAT64, 0, new long[] {10, 99}, new long[] {99, 1}),
                new View(s[1], DType.FLOAT64, 101, new long[] {10, 99}, new long[] {99, 1})));
    }

    // ---- fill ----------------------------------------------------------------------------------------------

    @Test void fillMatchesRefForEveryDtypeContiguousAndStrided() {
        for (DType t : DType.values()) {
            for (double value : new double[] {2.7, -2.7, Double.NaN, 1e300}) {
                for (int n = 1; n <= 9; n++) {
                    int len = n;
                    sameAsRef(t, 1, t, 24, (b, s) -> b.fill(new View(s[1], t, 1, new long[] {len}, new long[] {1}), value));
                }
                sameAsRef(t, 1, t, 40, (b, s) -> b.fill(new View(s[1], t, 3, new long[] {3, 4}, new long[] {9, 2}), value));
            }
        }
    }

    // ---- memory statistics ---------------------------------------------------------------------------------

    @Test void memoryStatsCountStoragesInSizeClassesAndPeakResets() {
        Backend b = emu();
        var before = b.memoryStats();
        Storage s = b.allocate(5000);   // class 5120
        var during = b.memoryStats();
        assertEquals(before.liveBytes() + 5120, during.liveBytes());
        assertEquals(before.allocations() + 1, during.allocations());
        assertTrue(during.peakBytes() >= during.liveBytes());
        s.release();
        var after = b.memoryStats();
        assertEquals(before.liveBytes(), after.liveBytes());
        assertEquals(before.frees() + 1, after.frees());
        b.resetPeakBytes();
        assertEquals(after.liveBytes(), b.memoryStats().peakBytes());
        CudaBackend cuda = (CudaBackend) Backends.implementation(b);
        assertTrue(cuda.context().allocator().cachedBytes() >= 5120, "the freed block is cached");
        assertTrue(cuda.emptyCache() >= 5120);
        assertEquals(0, cuda.context().allocator().cachedBytes());
        assertEquals(after.liveBytes(), b.memoryStats().liveBytes(), "live storages are untouched");
    }

    // ---- misuse --------------------------------------------------------------------------------------------

    @Test void aViewOnAnotherDeviceIsAnErrorNamingTheOp() {
        Backend emu = emu();
        Storage host = storage(ref(), DType.FLOAT32, new double[4]);
        Storage dev = storage(emu, DType.FLOAT32, new double[4]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> emu.copy(whole(host, DType.FLOAT32, 4), whole(dev, DType.FLOAT32, 4)));
        assertTrue(e.getMessage().startsWith("copy: ") && e.getMessage().contains("cuda-emu"), e.getMessage());
    }

    @Test void aFreedStorageIsAnIllegalStateException() {
        Backend emu = emu();
        Storage s = emu.allocate(64);
        s.release();
        assertThrows(IllegalStateException.class, () -> emu.fill(whole(s, DType.FLOAT32, 4), 1));
    }

}
