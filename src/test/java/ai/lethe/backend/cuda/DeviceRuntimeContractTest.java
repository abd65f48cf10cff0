// What every DeviceRuntime must do, run on each runtime this machine has: cuda-emu here (always, so the checks
// themselves are known to be right) and cuda where an NVIDIA GPU is (benchmarks/gpu/device-check runs the CUDA
// tests there); a runtime that is unavailable is skipped with its probe's reason. Copies and memsets round-trip,
// real kernels of the fatbin give the Java reference's bits, streams and events order and time, and a launch of an
// unknown kernel or of 2,048 threads a block fails naming the kernel. On cuda also: out of memory states the bytes
// requested, and cuBLAS's row-major GEMM (true FP32) matches a double-precision reference within a K-dependent bound.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Precision;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DeviceRuntimeContractTest {
    static Stream<String> runtimes() { return Stream.of("cuda-emu", "cuda"); }

    private static DeviceRuntime open(String name) {
        Availability a = name.equals("cuda") ? NvidiaRuntime.availability() : EmulatedRuntime.availability();
        if (name.equals("cuda")) assumeTrue(a.available(), "needs a GPU: cuda is not available here: " + a.reason());
        else assertTrue(a.available(), "cuda-emu must be available wherever the build ran: " + a.reason());
        return name.equals("cuda") ? NvidiaRuntime.open() : EmulatedRuntime.open();
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    private static long upload(DeviceRuntime rt, float[] x, ai.lethe.backend.cuda.Stream s) {
        long p = rt.alloc(4L * x.length);
        rt.copyHostToDevice(p, MemorySegment.ofArray(x), 4L * x.length, s);
        return p;
    }

    private static float[] download(DeviceRuntime rt, long p, int n, ai.lethe.backend.cuda.Stream s) {
        float[] x = new float[n];
        rt.copyDeviceToHost(MemorySegment.ofArray(x), p, 4L * n, s);
        rt.synchronize(s);
        return x;
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void copiesMemsetsAndKernelsGiveTheReferenceBits(String name) {
        try (DeviceRuntime rt = open(name)) {
            Random r = new Random(14);
            int n = 10_003;  // a float4 body and a tail
            ai.lethe.backend.cuda.Stream s = rt.createStream();
            float[] x = random(r, n), y = random(r, n);
            long dx = upload(rt, x, s), dy = upload(rt, y, s), out = rt.alloc(4L * n);
            assertArrayEquals(x, download(rt, dx, n, s));

            rt.memset32(out, Float.floatToRawIntBits(7f), n, s);
            float[] sevens = download(rt, out, n, s);
            for (float v : sevens) assertEquals(7f, v);
            rt.memset8(out, 0, 4L * n, s);
            assertEquals(0f, download(rt, out, n, s)[n - 1]);

            rt.launch("fill_f32", Dim3.of(40), Dim3.of(256), 0, s, new KernelArgs().pointer(out).f32(-2.5f).i64(n - 1));
            float[] filled = download(rt, out, n, s);
            assertEquals(-2.5f, filled[n - 2]);
            assertEquals(0f, filled[n - 1], "fill_f32 stops at n");

            rt.launch("axpby_f32", Dim3.of(40), Dim3.of(256), 0, s,
                    new KernelArgs().pointer(out).pointer(dx).pointer(dy).f32(0.75f).f32(-1.25f).i64(n));
            float[] got = download(rt, out, n, s);
            for (int i = 0; i < n; i++)
                assertEquals(Float.floatToRawIntBits(Math.fma(0.75f, x[i], -1.25f * y[i])), Float.floatToRawIntBits(got[i]), "axpby at " + i);

            rt.copyDeviceToDevice(dy, dx, 4L * n, s);
            assertArrayEquals(x, download(rt, dy, n, s));

            Event a = rt.createEvent(), b = rt.createEvent();
            rt.record(a, s);
            rt.launch("fill_f32", Dim3.of(40), Dim3.of(256), 0, s, new KernelArgs().pointer(out).f32(1f).i64(n));
            rt.record(b, s);
            rt.synchronize(b);
            assertTrue(rt.elapsedMillis(a, b) >= 0f);
            rt.destroyEvent(a);
            rt.destroyEvent(b);
            assertTrue(rt.launches() >= 3);
            rt.free(dx);
            rt.free(dy);
            rt.free(out);
            rt.destroyStream(s);
        }
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void badLaunchesNameTheKernel(String name) {
        try (DeviceRuntime rt = open(name)) {
            CudaException unknown = assertThrows(CudaException.class,
                    () -> rt.launch("no_such_kernel", Dim3.of(1), Dim3.of(32), 0, ai.lethe.backend.cuda.Stream.DEFAULT, new KernelArgs()));
            assertEquals("no_such_kernel", unknown.kernel());
            long p = rt.alloc(4096);
            CudaException tooBig = assertThrows(CudaException.class,
                    () -> rt.launch("fill_f32", Dim3.of(1), Dim3.of(2048), 0, ai.lethe.backend.cuda.Stream.DEFAULT,
                            new KernelArgs().pointer(p).f32(0f).i64(1024)));
            assertEquals("fill_f32", tooBig.kernel(), tooBig.getMessage());
            rt.free(p);
        }
    }

    /** The NVIDIA runtime's own (the emulator's GEMM is OpenBLAS, behind the backend). */
    @Test
    void nvidiaOutOfMemoryAndCublasGemm() {
        try (NvidiaRuntime rt = (NvidiaRuntime) open("cuda")) {
            long huge = 1L << 50;
            CudaException oom = assertThrows(CudaException.class, () -> rt.alloc(huge));
            assertEquals("CUDA_ERROR_OUT_OF_MEMORY", oom.errorName());
            assertTrue(oom.getMessage().contains(huge + " bytes requested"), oom.getMessage());

            Random r = new Random(15);
            int m = 67, n = 45, k = 129;
            float[] a = random(r, m * k), b = random(r, k * n);
            ai.lethe.backend.cuda.Stream s = rt.createStream();
            long da = upload(rt, a, s), db = upload(rt, b, s), dc = rt.alloc(4L * m * n);
            rt.sgemm(false, false, m, n, k, 1f, da, k, db, n, 0f, dc, n, s, Precision.FP32);
            float[] c = download(rt, dc, m * n, s);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double want = 0, abs = 0;
                    for (int p = 0; p < k; p++) {
                        want += (double) a[i * k + p] * b[p * n + j];
                        abs += Math.abs((double) a[i * k + p] * b[p * n + j]);
                    }
                    // FP32 accumulation: |error| <= k * 2^-24 * sum |a b| (no TF32: that would be ~2^-11)
                    assertEquals(want, c[i * n + j], k * 0x1p-24 * abs + 1e-30, "C[" + i + "," + j + "]");
                }
        }
    }
}
