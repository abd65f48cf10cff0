// Graph capture on the emulator (DeviceRuntime's beginCapture .. endCapture, instantiate, update, launchGraph) and
// through a CUDA backend's step graphs (CapturedStep, the caching allocator's private pool): captured work runs only
// when the graph is launched, replays exactly what was captured (checked against the same calls made eagerly), an
// update swaps in new arguments but refuses a new topology, every call a capture does not allow is an error naming
// the call (and invalidates the capture), another thread's work on a captured stream is refused while its work on
// other streams runs, and the pool's blocks are not handed to anyone else while the graph lives.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.GraphCapture;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class GraphCaptureTest {
    static final int N = 1000;

    static float[] read(DeviceRuntime rt, long p, int n) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(4L * n);
            rt.copyDeviceToHost(s, p, 4L * n, Stream.DEFAULT);
            return s.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    static void fill(DeviceRuntime rt, long p, float v, int n, Stream s) {
        rt.launch("fill_f32", Dim3.of(1), Dim3.of(CudaContext.BLOCK), 0, s, new KernelArgs().pointer(p).f32(v).i64(n));
    }

    static float[] filled(float v, int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, v);
        return f;
    }

    @Test
    void capturedWorkRunsOnlyWhenTheGraphIsLaunchedAndAnUpdateKeepsTheTopology() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            long x = rt.alloc(4L * N), y = rt.alloc(4L * N);
            fill(rt, x, 1, N, Stream.DEFAULT);
            fill(rt, y, 1, N, Stream.DEFAULT);
            Stream s = rt.createStream();
            long launchesBefore = rt.launches();
            rt.beginCapture(s);
            assertTrue(rt.capturing(s));
            fill(rt, x, 3, N, s);
            rt.copyDeviceToDevice(y, x, 4L * N, s);
            rt.memset32(x + 4L * (N - 10), Float.floatToRawIntBits(-2), 10, s);
            Graph g = rt.endCapture(s);
            assertFalse(rt.capturing(s));
            assertEquals(launchesBefore, rt.launches(), "nothing ran during the capture");
            assertArrayEquals(filled(1, N), read(rt, x, N));
            assertEquals(3, rt.recording(g).size());
            assertEquals(1, rt.recording(g).launches());
            GraphExec e = rt.instantiate(g);
            rt.destroyGraph(g);
            rt.launchGraph(e, Stream.DEFAULT);
            float[] expectX = filled(3, N);
            for (int i = N - 10; i < N; i++) expectX[i] = -2;
            assertArrayEquals(expectX, read(rt, x, N));
            assertArrayEquals(filled(3, N), read(rt, y, N), "the copy ran after the fill, before the memset");

            rt.beginCapture(s);   // same topology, new arguments: updated in place
            fill(rt, x, 5, N, s);
            rt.copyDeviceToDevice(y, x, 4L * N, s);
            rt.memset32(x, Float.floatToRawIntBits(7), 1, s);
            Graph g2 = rt.endCapture(s);
            assertTrue(rt.update(e, g2));
            rt.destroyGraph(g2);
            rt.launchGraph(e, Stream.DEFAULT);
            float[] x2 = filled(5, N);
            x2[0] = 7;
            assertArrayEquals(x2, read(rt, x, N));
            assertArrayEquals(filled(5, N), read(rt, y, N));

            rt.beginCapture(s);   // another topology: refused, the graph unchanged
            fill(rt, x, 9, N, s);
            Graph g3 = rt.endCapture(s);
            assertFalse(rt.update(e, g3));
            rt.launchGraph(e, Stream.DEFAULT);
            assertArrayEquals(x2, read(rt, x, N), "the old graph ran again");
            rt.destroyGraph(g3);
            rt.destroyGraphExec(e);
            assertThrows(IllegalArgumentException.class, () -> rt.launchGraph(e, Stream.DEFAULT));
        }
    }

    /** Each call a capture does not allow: an error naming it, and endCapture then fails as invalidated. */
    @Test
    void callsACaptureDoesNotAllowAreErrorsNamingTheCall() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            long x = rt.alloc(4L * N);
            Stream s = rt.createStream();
            Event ev = rt.createEvent();
            MemorySegment host = Arena.ofAuto().allocate(4L * N);
            record Forbidden(String call, Consumer<EmulatedRuntime> act) {}
            for (Forbidden f : new Forbidden[] {
                    new Forbidden("synchronize(stream)", r -> r.synchronize(s)),
                    new Forbidden("synchronize(stream)", r -> r.synchronize(Stream.DEFAULT)),
                    new Forbidden("copyDeviceToHost", r -> r.copyDeviceToHost(host, x, 4L * N, s)),
                    new Forbidden("copyHostToDevice", r -> r.copyHostToDevice(x, host, 4L * N, s)),
                    new Forbidden("alloc(256 bytes)", r -> r.alloc(256)),
                    new Forbidden("free", r -> r.free(x)),
                    new Forbidden("record(event)", r -> r.record(ev, s)),
                    new Forbidden("synchronize(event)", r -> r.synchronize(ev)),
                    new Forbidden("launch of fill_f32", r -> fill(r, x, 1, N, Stream.DEFAULT))}) {
                rt.beginCapture(s);
                fill(rt, x, 2, N, s);
                CudaException e = assertThrows(CudaException.class, () -> f.act().accept(rt), f.call());
                assertEquals(f.call(), e.call());
                assertTrue(e.errorName().startsWith("CUDA_ERROR_STREAM_CAPTURE_"), e.getMessage());
                CudaException end = assertThrows(CudaException.class, () -> rt.endCapture(s));
                assertEquals("CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", end.errorName());
                assertTrue(end.getMessage().contains(f.call()), end.getMessage());
                assertFalse(rt.capturing(s));
            }
            rt.beginCapture(s);   // the private pool may grow during a capture
            long p = rt.allocDuringCapture(256);
            rt.destroyGraph(rt.endCapture(s));
            rt.free(p);
            CudaException d = assertThrows(CudaException.class, () -> rt.beginCapture(Stream.DEFAULT));
            assertTrue(d.getMessage().contains("legacy default stream"), d.getMessage());
        }
    }

    @Test
    void anotherThreadsWorkOnTheCapturedStreamIsRefusedAndOnOtherStreamsRuns() throws Exception {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            long x = rt.alloc(4L * N), y = rt.alloc(4L * N);
            Stream s = rt.createStream(), other = rt.createStream();
            rt.beginCapture(s);
            AtomicReference<Throwable> onCaptured = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    fill(rt, x, 4, N, s);
                } catch (Throwable e) {
                    onCaptured.set(e);
                }
                fill(rt, y, 6, N, other);   // runs now
                rt.synchronize(other);
            });
            t.start();
            t.join();
            rt.destroyGraph(rt.endCapture(s));
            assertTrue(onCaptured.get() instanceof CudaException c && c.errorName().equals("CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD"),
                    String.valueOf(onCaptured.get()));
            assertArrayEquals(filled(6, N), read(rt, y, N));
        }
    }

    /** A step graph of the backend: replays equal eager results; its pool's blocks stay its own. */
    @Test
    void aStepGraphReplaysTheEagerResultAndKeepsItsPoolToItself() {
        CudaBackend cuda = (CudaBackend) ai.lethe.backend.Backends.implementation(CudaBackendTest.emu());
        assertEquals(null, cuda.graphsUnsupported());
        var dev = cuda.device();
        try (Tensor x = Scope.unscoped(() -> Tensor.zeros(Shape.of(N), DType.FLOAT32, dev));
             Tensor out = Scope.unscoped(() -> Tensor.zeros(Shape.of(N), DType.FLOAT32, dev));
             GraphCapture.StepGraph graph = cuda.newStepGraph("test")) {
            long[] tempPointer = new long[1];
            Runnable body = () -> {
                try (Scope _ = Scope.open("body")) {
                    Tensor t = x.mul(2).add(1);   // temporaries from the pool
                    tempPointer[0] = ((CudaStorage) t.kernelView().storage()).pointer();
                    out.copyFrom(t.exp().sub(t));
                }
            };
            DeviceCounters before = cuda.counters();
            for (int step = 0; step < 4; step++) {
                float[] xs = new float[N];
                for (int i = 0; i < N; i++) xs[i] = (float) Math.sin(i * 0.37 + step);
                try (Tensor h = Tensor.fromArray(xs, dev, N)) {
                    x.copyFrom(h);
                }
                graph.run(body);
                float[] expect;
                try (Scope _ = Scope.open("eager"); Tensor t = x.mul(2).add(1)) {
                    expect = t.exp().sub(t).toFloatArray();
                }
                assertArrayEquals(expect, out.toFloatArray(), "step " + step);
            }
            DeviceCounters d = cuda.counters().minus(before);
            assertEquals(4, d.graphLaunches());
            assertEquals(4, graph.launches());
            assertEquals(1, graph.instantiations(), "the same topology every step: one instantiation, then updates");
            assertEquals(3, graph.updates());
            assertTrue(d.capturedOperations() >= 4 * 3, d.toString());
            try (Scope _ = Scope.open("other")) {   // an allocation of the temporary's size outside: not the pool's block
                Tensor t = Tensor.zeros(Shape.of(N), DType.FLOAT32, dev);
                assertNotEquals(tempPointer[0], ((CudaStorage) t.kernelView().storage()).pointer());
            }
        }
    }
}
