// The CUDA backend's device counters (DeviceCounters, counted by CountingRuntime) on the emulator, call by call: a
// launch, a GEMM, a synchronisation, a cache miss against a hit, the bytes of a copy each way; and the rules the
// counts stand for — a write does not synchronise (HostStaging) and still delivers the values it was given, a read is
// exactly one synchronisation even when the device-error record rides along, an index error still surfaces there.
// Each test opens its own backend over its own emulator, so no other test's work is counted.
package ai.lethe.backend.cuda;

import static ai.lethe.backend.cuda.StorageValues.whole;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DeviceCountersTest {
    static void withBackend(Consumer<CudaBackend> body) {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            CudaBackend b = new CudaBackend("cuda-counters-test", -1, rt);
            assertTrue(b.availability().available(), b.availability().reason());
            body.accept(b);
        }
    }

    static View matrix(Storage s, long rows, long cols) { return new View(s, DType.FLOAT32, 0, new long[] {rows, cols}, new long[] {cols, 1}); }

    @Test void everyMethodOfDeviceRuntimeIsForwardedNotInherited() throws NoSuchMethodException {
        for (Method m : DeviceRuntime.class.getMethods()) {
            Method impl = CountingRuntime.class.getMethod(m.getName(), m.getParameterTypes());
            assertEquals(CountingRuntime.class, impl.getDeclaringClass(), "CountingRuntime must forward " + m);
        }
    }

    @Test void countsALaunchAndASynchronisation() {
        withBackend(b -> {
            Storage s = b.allocate(100 * 4);
            DeviceCounters before = b.counters();
            b.fill(whole(s, DType.FLOAT32, 100), 1.5);
            DeviceCounters fill = b.counters().minus(before);
            assertEquals(new DeviceCounters(1, 0, 0, 0, 0, 0, 0, 0, 0), fill, "one fill kernel, nothing else");
            before = b.counters();
            b.synchronize();
            assertEquals(new DeviceCounters(0, 0, 1, 0, 0, 0, 0, 0, 0), b.counters().minus(before));
            s.release();
        });
    }

    @Test void aMatmulIsOneGemmCall() {
        withBackend(b -> {
            Storage x = b.allocate(6 * 4), y = b.allocate(6 * 4), out = b.allocate(4 * 4);
            b.write(MemorySegment.ofArray(new float[] {1, 2, 3, 4, 5, 6}), whole(x, DType.FLOAT32, 6));
            b.write(MemorySegment.ofArray(new float[] {1, 0, 0, 1, 1, 1}), whole(y, DType.FLOAT32, 6));
            DeviceCounters before = b.counters();
            b.matmul(matrix(x, 2, 3), matrix(y, 3, 2), matrix(out, 2, 2), 1, 0);
            assertEquals(1, b.counters().minus(before).gemmCalls());
            float[] back = new float[4];
            b.read(whole(out, DType.FLOAT32, 4), MemorySegment.ofArray(back));
            assertArrayEquals(new float[] {4, 5, 10, 11}, back);   // [[1,2,3],[4,5,6]] @ [[1,0],[0,1],[1,1]]
        });
    }

    @Test void onlyACacheMissReachesTheRuntimeAllocator() {
        withBackend(b -> {
            DeviceCounters start = b.counters();
            Storage first = b.allocate(3000);
            assertEquals(1, b.counters().minus(start).deviceAllocations(), "a new size class: a miss");
            first.release();
            DeviceCounters before = b.counters();
            Storage again = b.allocate(2900);   // the same 3072-byte class, on the free list
            assertEquals(0, b.counters().minus(before).deviceAllocations(), "a hit");
            Storage second = b.allocate(3000);  // the cached block is in use: a miss
            assertEquals(1, b.counters().minus(before).deviceAllocations());
            assertEquals(b.context().allocator().runtimeAllocations(), b.counters().deviceAllocations(),
                    "what the allocator asked the runtime for, counted on the runtime's side");
            again.release();
            second.release();
        });
    }

    @Test void writesCountTheirBytesWithoutSynchronisingAndReadsSynchroniseOnce() {
        withBackend(b -> {
            Storage s = b.allocate(80 * 4);
            float[] data = new float[40];
            for (int i = 0; i < data.length; i++) data[i] = i;
            View low = new View(s, DType.FLOAT32, 0, new long[] {40}, new long[] {1});
            View high = new View(s, DType.FLOAT32, 40, new long[] {40}, new long[] {1});
            DeviceCounters before = b.counters();
            b.write(MemorySegment.ofArray(data), low);
            java.util.Arrays.fill(data, -1);   // the caller's array is free again at once
            try (Arena a = Arena.ofConfined()) {   // a native source, freed right after the write
                MemorySegment n = a.allocate(ValueLayout.JAVA_FLOAT, 40);
                for (int i = 0; i < 40; i++) n.setAtIndex(ValueLayout.JAVA_FLOAT, i, 100 + i);
                b.write(n, high);
            }
            DeviceCounters writes = b.counters().minus(before);
            assertEquals(0, writes.hostSynchronizations(), "writes do not wait for the device");
            assertEquals(2, writes.hostToDeviceCopies());
            assertEquals(2 * 160, writes.hostToDeviceBytes());
            assertEquals(0, writes.deviceToHostBytes());
            before = b.counters();
            float[] back = new float[80];
            b.read(whole(s, DType.FLOAT32, 80), MemorySegment.ofArray(back));
            DeviceCounters read = b.counters().minus(before);
            assertEquals(1, read.hostSynchronizations());
            assertEquals(1, read.deviceToHostCopies());
            assertEquals(320, read.deviceToHostBytes());
            for (int i = 0; i < 40; i++) {
                assertEquals(i, back[i], "written from the heap, then overwritten by the caller: element " + i);
                assertEquals(100 + i, back[40 + i], "written from native memory since freed: element " + i);
            }
            s.release();
        });
    }

    @Test void writesRotateThroughTheStagingSlotsWaitingOnlyForTheOldestCopy() {
        withBackend(b -> {
            int writes = 3 * HostStaging.SLOTS;
            Storage s = b.allocate(writes * 4L);
            float[] one = new float[1];
            DeviceCounters before = b.counters();
            for (int i = 0; i < writes; i++) {
                one[0] = i * 10;
                b.write(MemorySegment.ofArray(one), new View(s, DType.FLOAT32, i, new long[] {1}, new long[] {1}));
            }
            DeviceCounters d = b.counters().minus(before);
            assertEquals(0, d.hostSynchronizations());
            assertEquals(writes - HostStaging.SLOTS, d.eventWaits(), "once every slot is in flight, each write waits for one");
            b.synchronize();
            before = b.counters();
            for (int i = 0; i < HostStaging.SLOTS; i++)
                b.write(MemorySegment.ofArray(one), new View(s, DType.FLOAT32, i, new long[] {1}, new long[] {1}));
            assertEquals(0, b.counters().minus(before).eventWaits(), "after a synchronisation every slot is free");
            float[] back = new float[writes];
            b.read(whole(s, DType.FLOAT32, writes), MemorySegment.ofArray(back));
            for (int i = 0; i < writes; i++) assertEquals(i < HostStaging.SLOTS ? (writes - 1) * 10 : i * 10, back[i], "element " + i);
            assertTrue(b.staging().allocations() <= HostStaging.SLOTS);
            s.release();
        });
    }

    @Test void aReadAfterAnIndexOpIsStillOneSynchronisationAndItsErrorSurfacesThere() {
        withBackend(b -> {
            Storage x = b.allocate(4 * 4), idx = b.allocate(2 * 8), out = b.allocate(2 * 4);
            b.write(MemorySegment.ofArray(new float[] {10, 11, 12, 13}), whole(x, DType.FLOAT32, 4));
            b.write(MemorySegment.ofArray(new long[] {3, 1}), whole(idx, DType.INT64, 2));
            DeviceCounters before = b.counters();
            b.gather(whole(x, DType.FLOAT32, 4), 0, whole(idx, DType.INT64, 2), whole(out, DType.FLOAT32, 2));
            float[] back = new float[2];
            b.read(whole(out, DType.FLOAT32, 2), MemorySegment.ofArray(back));
            assertArrayEquals(new float[] {13, 11}, back);
            DeviceCounters ok = b.counters().minus(before);
            assertEquals(1, ok.hostSynchronizations(), "the error record's copy rides on the read's synchronisation");
            assertEquals(2, ok.deviceToHostCopies(), "the read and the error record");

            b.write(MemorySegment.ofArray(new long[] {1, 7}), whole(idx, DType.INT64, 2));
            b.gather(whole(x, DType.FLOAT32, 4), 0, whole(idx, DType.INT64, 2), whole(out, DType.FLOAT32, 2));
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> b.read(whole(out, DType.FLOAT32, 2), MemorySegment.ofArray(back)));
            assertTrue(e.getMessage().startsWith("gather: index 7 is out of range"), e.getMessage());
            before = b.counters();
            b.read(whole(out, DType.FLOAT32, 2), MemorySegment.ofArray(back));   // reported once, then cleared
            assertEquals(1, b.counters().minus(before).hostSynchronizations());
        });
    }
}
