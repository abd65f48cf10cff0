// NvidiaRuntime's graphs against the fake driver (FakeCuda, compiled against cuda.h): stream capture, instantiation,
// update and launch go through the driver's cuStreamBeginCapture_v2 / cuStreamEndCapture / cuGraphInstantiateWithFlags
// / cuGraphExecUpdate_v2 / cuGraphLaunch / cuGraphExecDestroy / cuGraphDestroy with the values the runtime means
// (the fake keeps captured memsets, copies and launches and runs them at cuGraphLaunch), and the runtime keeps the same
// capture rules as the emulator (CaptureRules): a host copy during a capture is an error naming it.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvidiaRuntimeGraphTest {
    @TempDir
    static Path dir;

    static FakeCuda fake;
    static String kernel;

    @BeforeAll
    static void build() throws Exception {
        CudaBuildSupport.resource(FatbinImage.RESOURCE);
        fake = new FakeCuda(dir);
        List<KernelResources> report = KernelResources.fromClassPath(NvidiaRuntimeGraphTest.class.getClassLoader()).orElseThrow();
        kernel = report.getFirst().kernel();
    }

    @AfterEach
    void reset() { fake.reset(); }

    private static NvidiaRuntime open() {
        return NvidiaRuntime.open(fake.driver.toString(), fake.cublas.toString(), NvidiaRuntimeGraphTest.class.getClassLoader(), 0);
    }

    private static int[] read(NvidiaRuntime rt, long p, int n) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(4L * n);
            rt.copyDeviceToHost(s, p, 4L * n, Stream.DEFAULT);
            return s.toArray(ValueLayout.JAVA_INT);
        }
    }

    @Test
    void aCapturedGraphRunsAtItsLaunchAndUpdatesInPlace() {
        try (NvidiaRuntime rt = open()) {
            long x = rt.alloc(64), y = rt.alloc(64);
            rt.memset32(x, 1, 16, Stream.DEFAULT);
            rt.memset32(y, 1, 16, Stream.DEFAULT);
            Stream s = rt.createStream();
            rt.beginCapture(s);
            assertTrue(rt.capturing(s));
            rt.memset32(x, 5, 16, s);
            rt.copyDeviceToDevice(y, x, 64, s);
            rt.launch(kernel, Dim3.of(1), Dim3.of(32), 0, s, new KernelArgs().pointer(x));
            CudaException e = assertThrows(CudaException.class, () -> read(rt, x, 16));
            assertEquals("copyDeviceToHost", e.call());
            assertEquals("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", e.errorName());
            CudaException inval = assertThrows(CudaException.class, () -> rt.endCapture(s));
            assertEquals("CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", inval.errorName());

            rt.beginCapture(s);
            rt.memset32(x, 5, 16, s);
            rt.copyDeviceToDevice(y, x, 64, s);
            rt.launch(kernel, Dim3.of(1), Dim3.of(32), 0, s, new KernelArgs().pointer(x));
            Graph g = rt.endCapture(s);
            assertFalse(rt.capturing(s));
            assertArrayEquals(new int[] {1, 1, 1, 1}, java.util.Arrays.copyOf(read(rt, y, 16), 4), "captured, not run");
            GraphExec exec = rt.instantiate(g);
            rt.destroyGraph(g);
            rt.launchGraph(exec, Stream.DEFAULT);
            int[] five = new int[16];
            java.util.Arrays.fill(five, 5);
            assertArrayEquals(five, read(rt, y, 16));
            assertEquals(kernel, fake.lastLaunch().kernel(), "the graph's launch ran");

            rt.beginCapture(s);   // new arguments, same topology
            rt.memset32(x, 9, 16, s);
            rt.copyDeviceToDevice(y, x, 32, s);
            rt.launch(kernel, Dim3.of(1), Dim3.of(32), 0, s, new KernelArgs().pointer(y));
            Graph g2 = rt.endCapture(s);
            assertTrue(rt.update(exec, g2));
            rt.destroyGraph(g2);
            rt.launchGraph(exec, Stream.DEFAULT);
            int[] y2 = read(rt, y, 16);
            for (int i = 0; i < 16; i++) assertEquals(i < 8 ? 9 : 5, y2[i], "element " + i);

            rt.beginCapture(s);   // another topology: the update is refused
            rt.memset32(x, 9, 16, s);
            Graph g3 = rt.endCapture(s);
            assertFalse(rt.update(exec, g3));
            rt.destroyGraph(g3);
            rt.destroyGraphExec(exec);
            CudaException d = assertThrows(CudaException.class, () -> rt.beginCapture(Stream.DEFAULT));
            assertEquals("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", d.errorName());
        }
    }
}
