// The emulated device memory: new allocations read as the NaN pattern (so a parity test sees a read of memory no
// kernel wrote), a read past an allocation's end finds the guard zone's NaN, copies and memsets move the right
// bytes, the live/peak counters follow alloc/free/close, and streams and events behave.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class EmulatorMemoryTest {
    @Test
    void newAllocationsAreNaNAndUnwrittenReadsShow() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            int n = 1001;
            long in = rt.alloc(4L * n), out = rt.alloc(4L * n);
            for (float v : EmulatorSupport.download(rt, in, n))
                assertEquals(EmulatedRuntime.NAN_BITS, Float.floatToRawIntBits(v));
            // a kernel copying memory nobody wrote: its output is NaN, which a parity test cannot miss
            rt.launch("emu_copy_f32", Dim3.of(4), Dim3.of(256), 0, Stream.DEFAULT, new KernelArgs().pointer(in).pointer(out).i64(n));
            for (float v : EmulatorSupport.download(rt, out, n)) assertTrue(Float.isNaN(v));
        }
    }

    @Test
    void unwrittenDynamicSharedMemoryIsNaNInEveryBlock() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            int blocks = 8, threads = 64;
            long out = rt.alloc(4L * blocks * threads);
            rt.launch("emu_read_unwritten_shared", Dim3.of(blocks), Dim3.of(threads), 4 * threads, Stream.DEFAULT,
                    new KernelArgs().pointer(out));
            for (float v : EmulatorSupport.download(rt, out, blocks * threads))
                assertEquals(EmulatedRuntime.NAN_BITS, Float.floatToRawIntBits(v));
        }
    }

    @Test
    void unwrittenStaticSharedMemoryIsNaNInEveryBlock() {
        // a static __shared__ array nobody wrote reads as the NaN pattern in every block, although each block
        // writes it before it ends (on one worker, blocks share one copy of it); 3 launches: no state carries over
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            int blocks = 8, threads = 256;
            long out = rt.alloc(4L * blocks * threads);
            for (int launch = 0; launch < 3; launch++) {
                rt.memset32(out, 0, (long) blocks * threads, Stream.DEFAULT);
                rt.launch("emu_read_unwritten_static_shared", Dim3.of(blocks), Dim3.of(threads), 0, Stream.DEFAULT,
                        new KernelArgs().pointer(out));
                int[] bits = EmulatorSupport.downloadInts(rt, out, blocks * threads);
                for (int i = 0; i < bits.length; i++)
                    assertEquals(EmulatedRuntime.NAN_BITS, bits[i], "launch " + launch + ", element " + i);
            }
        }
    }

    @Test
    void readsInTheGuardZonesBeforeAndAfterAnAllocationFindNaN() {
        // 64 floats: exactly 256 bytes, so the element past the end is the first of the trailing guard zone
        // (LETHE_EMU_GUARD_BYTES = 1,024 bytes each side); its last element and the leading zone read NaN too, also
        // after an out-of-bounds write damaged the trailing zone (the launch that did it restores it)
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            int n = 64;
            float[] data = new float[n];
            for (int i = 0; i < n; i++) data[i] = i + 0.5f;
            long in = EmulatorSupport.upload(rt, data);
            long[] at = {0, n - 1, n, n + 1, n + 255, -1, -256};
            long atDevice = rt.alloc(8L * at.length), out = rt.alloc(4L * at.length);
            rt.copyHostToDevice(atDevice, MemorySegment.ofArray(at), 8L * at.length, Stream.DEFAULT);
            Runnable read = () -> rt.launch("emu_read_at", Dim3.of(1), Dim3.of(32), 0, Stream.DEFAULT,
                    new KernelArgs().pointer(in).pointer(atDevice).pointer(out).i32(at.length));
            for (int round = 0; round < 2; round++) {
                read.run();
                float[] got = EmulatorSupport.download(rt, out, at.length);
                assertEquals(0.5f, got[0]);
                assertEquals(n - 0.5f, got[1]);
                for (int i = 2; i < at.length; i++)
                    assertEquals(EmulatedRuntime.NAN_BITS, Float.floatToRawIntBits(got[i]), "in[" + at[i] + "], round " + round);
                if (round == 0) {  // in[0..n] = 1: one element too many
                    assertThrows(EmulatorException.class, () -> rt.launch("broken_oob_write", Dim3.of(1), Dim3.of(128), 0,
                            Stream.DEFAULT, new KernelArgs().pointer(in).i64(n)));
                    rt.copyHostToDevice(in, MemorySegment.ofArray(data), 4L * n, Stream.DEFAULT);
                }
            }
        }
    }

    @Test
    void aReadPastTheEndFindsNaN() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            float[] data = {1f, 2f, 3f};
            long in = EmulatorSupport.upload(rt, data), out = rt.alloc(4);
            rt.launch("emu_read_past_end", Dim3.of(1), Dim3.of(32), 0, Stream.DEFAULT, new KernelArgs().pointer(in).pointer(out).i64(3));
            assertEquals(EmulatedRuntime.NAN_BITS, Float.floatToRawIntBits(EmulatorSupport.download(rt, out, 1)[0]));
        }
    }

    @Test
    void copiesAndMemsets() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            float[] data = new float[37];
            for (int i = 0; i < data.length; i++) data[i] = i * 0.5f - 3f;
            long a = EmulatorSupport.upload(rt, data), b = rt.alloc(4L * data.length);
            rt.copyDeviceToDevice(b, a, 4L * data.length, Stream.DEFAULT);
            assertArrayEquals(data, EmulatorSupport.download(rt, b, data.length));
            rt.memset32(b + 8, Float.floatToRawIntBits(7f), 3, Stream.DEFAULT);
            float[] expected = data.clone();
            expected[2] = expected[3] = expected[4] = 7f;
            assertArrayEquals(expected, EmulatorSupport.download(rt, b, data.length));
            rt.memset8(b, 0, 4L * data.length, Stream.DEFAULT);
            assertArrayEquals(new float[data.length], EmulatorSupport.download(rt, b, data.length));
            // a native host segment works as well as a heap one
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                MemorySegment host = arena.allocate(4L * data.length, 16);
                rt.copyDeviceToHost(host, a, 4L * data.length, Stream.DEFAULT);
                assertArrayEquals(data, host.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT));
            }
        }
    }

    @Test
    void liveAndPeakCounters() {
        MemoryCounters before;
        long a;
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            before = rt.memory();
            a = rt.alloc(1000);
            long b = rt.alloc(3000);
            MemoryCounters during = rt.memory();
            assertEquals(before.liveBytes() + 4000, during.liveBytes());
            assertEquals(before.liveAllocations() + 2, during.liveAllocations());
            assertTrue(during.peakBytes() >= during.liveBytes());
            rt.free(b);
            assertEquals(before.liveBytes() + 1000, rt.memory().liveBytes());
            assertTrue(rt.memory().peakBytes() >= before.liveBytes() + 4000);
            assertTrue(a != 0 && a % 256 == 0, "256-byte aligned: " + a);
        }  // closing the runtime frees a
        try (EmulatedRuntime other = EmulatorSupport.open()) {
            assertEquals(before.liveBytes(), other.memory().liveBytes());
            assertEquals(before.liveAllocations(), other.memory().liveAllocations());
        }
    }

    @Test
    void streamsEventsAndLaunchCount() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            Stream s = rt.createStream();
            Event start = rt.createEvent(), end = rt.createEvent();
            long launches = rt.launches();
            long out = rt.alloc(4 * 64);
            rt.record(start, s);
            rt.launch("fill_f32", Dim3.of(1), Dim3.of(64), 0, s, new KernelArgs().pointer(out).f32(1f).i64(64));
            rt.record(end, s);
            rt.synchronize(end);
            rt.synchronize(s);
            assertTrue(rt.elapsedMillis(start, end) >= 0f);
            assertEquals(launches + 1, rt.launches());
            rt.destroyStream(s);
            assertEquals(EmulatorException.Violation.INVALID_VALUE,
                    assertThrows(EmulatorException.class, () -> rt.destroyStream(s)).violation());
            Event never = rt.createEvent();
            assertThrows(EmulatorException.class, () -> rt.elapsedMillis(start, never));
        }
    }
}
