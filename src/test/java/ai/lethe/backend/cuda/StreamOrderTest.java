// Two streams on the emulator (StreamOrder, InputRing): a kernel on the default stream that reads a buffer while a
// copy into it on a non-blocking copy stream is not ordered before it (no event wait) is refused, naming both
// operations, and runs once the default stream waits for an event recorded after the copy; a copy into a buffer the
// default stream still reads, with no event ordering the two, is refused likewise (the write-after-read hazard of
// reusing an input buffer); blocking streams are ordered with the default stream as on the driver. The CUDA backend's
// input ring moves batches through its copy stream with those events: every batch arrives intact, over several
// rounds of the ring, with one host-to-device and one device-to-device copy per batch and no host synchronisation.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.GraphCapture;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class StreamOrderTest {
    static final int N = 256;

    static MemorySegment host(Arena a, float v) {
        MemorySegment s = a.allocate(4L * N, 64);
        for (int i = 0; i < N; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v + i);
        return s;
    }

    /** A kernel on {@code s} that reads src and writes dst (memory.cu's fill reads nothing; a scale does). */
    static void readInto(DeviceRuntime rt, long src, long dst, Stream s) {
        rt.copyDeviceToDevice(dst, src, 4L * N, s);
    }

    @Test void aReadBeforeTheCopysEventIsRefusedAndTheWaitMakesItRun() {
        try (EmulatedRuntime rt = EmulatorSupport.open(); Arena a = Arena.ofConfined()) {
            Stream copy = rt.createNonBlockingStream();
            long batch = rt.alloc(4L * N), out = rt.alloc(4L * N);
            rt.copyHostToDevice(batch, host(a, 1), 4L * N, copy);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> readInto(rt, batch, out, Stream.DEFAULT));
            assertTrue(e.getMessage().contains("stream order") && e.getMessage().contains("copyHostToDevice")
                    && e.getMessage().contains("cuStreamWaitEvent"), e.getMessage());
            Event copied = rt.createEvent();
            rt.record(copied, copy);
            rt.waitEvent(Stream.DEFAULT, copied);
            readInto(rt, batch, out, Stream.DEFAULT);
            assertArrayEquals(host(a, 1).toArray(ValueLayout.JAVA_FLOAT), GraphCaptureTest.read(rt, out, N));

            // write after read: the next copy into the batch must wait for the default stream's read
            rt.launch("fill_f32", Dim3.of(1), Dim3.of(CudaContext.BLOCK), 0, Stream.DEFAULT,
                    new KernelArgs().pointer(batch).f32(0).i64(N));
            assertThrows(IllegalStateException.class, () -> rt.copyHostToDevice(batch, host(a, 2), 4L * N, copy));
            Event consumed = rt.createEvent();
            rt.record(consumed, Stream.DEFAULT);
            rt.waitEvent(copy, consumed);
            rt.copyHostToDevice(batch, host(a, 3), 4L * N, copy);
            rt.synchronize(copy);   // a host wait orders the copy before everything queued afterwards
            readInto(rt, batch, out, Stream.DEFAULT);
            assertArrayEquals(host(a, 3).toArray(ValueLayout.JAVA_FLOAT), GraphCaptureTest.read(rt, out, N));
            rt.destroyStream(copy);
        }
    }

    @Test void blockingStreamsAreOrderedWithTheDefaultStream() {
        try (EmulatedRuntime rt = EmulatorSupport.open(); Arena a = Arena.ofConfined()) {
            Stream blocking = rt.createStream(), copy = rt.createNonBlockingStream();
            long batch = rt.alloc(4L * N), out = rt.alloc(4L * N);
            rt.copyHostToDevice(batch, host(a, 1), 4L * N, blocking);
            readInto(rt, batch, out, Stream.DEFAULT);   // no event needed: the legacy stream synchronises with it
            rt.destroyStream(copy);
            rt.destroyStream(blocking);
        }
    }

    @Test void theInputRingDeliversEveryBatchThroughItsCopyStream() {
        CudaBackend cuda = (CudaBackend) ai.lethe.backend.Backends.implementation(CudaBackendTest.emu());
        try (GraphCapture.InputRing ring = cuda.newInputRing("test");
             Tensor into = Scope.unscoped(() -> Tensor.zeros(Shape.of(N), cuda.device()));
             Tensor other = Scope.unscoped(() -> Tensor.zeros(Shape.of(N), cuda.device()));
             Arena a = Arena.ofConfined()) {
            for (int round = 0; round < 2; round++) {   // warm: the ring's buffers are made in the first round
                DeviceCounters before = cuda.counters();
                MemorySegment one = host(a, 10 * round), two = host(a, 10 * round + 5);
                int first = ring.stage(4L * N, s -> MemorySegment.copy(one, 0, s, 0, 4L * N));
                int second = ring.stage(4L * N, s -> MemorySegment.copy(two, 0, s, 0, 4L * N));
                ring.take(first, into.kernelView());
                ring.take(second, other.kernelView());
                DeviceCounters d = cuda.counters().minus(before);
                assertArrayEquals(host(a, 10 * round).toArray(ValueLayout.JAVA_FLOAT), into.toFloatArray(), "round " + round);
                assertArrayEquals(host(a, 10 * round + 5).toArray(ValueLayout.JAVA_FLOAT), other.toFloatArray(), "round " + round);
                assertEquals(2, d.hostToDeviceCopies(), d.toString());
                assertEquals(2, d.asyncHostToDeviceCopies(), "both on the copy stream: " + d);
                assertEquals(2, d.deviceToDeviceCopies(), d.toString());
                assertEquals(0, d.hostSynchronizations(), d.toString());
                if (round > 0) assertEquals(0, d.deviceAllocations(), d.toString());
            }
        }
    }
}
