// NvidiaRuntime end to end against a fake CUDA driver and cuBLAS (FakeCuda: C stand-ins compiled here, the driver
// against cuda.h itself), with the real fatbin: every FFM call path the runtime has runs, with its values checked
// where the fake can see them (copies, memsets, launch dimensions, the kernelParams array, streams, events), and
// every error path: a kernel not in the fatbin, a failed launch, an asynchronous fault at synchronisation (named
// with the stream's last kernel), out of memory (bytes requested and free), an error code newer than cuda.h's
// table, a device the fatbin cannot run on, an old driver, no device. The runtime must make its context current on
// every calling thread (the fake, like the driver, refuses calls without one). GEMMs through the fake cuBLAS (the
// textbook column-major SGEMM) check CublasLibrary's row-major mapping against a Java reference, and that TF32 is
// off unless asked for. What only a GPU can tell (real kernels, cuBLAS numerics) is benchmarks/gpu/device-check's.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Precision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvidiaRuntimeFakeDriverTest {
    @TempDir
    static Path dir;

    static FakeCuda fake;
    static String kernel;

    @BeforeAll
    static void build() throws Exception {
        CudaBuildSupport.resource(FatbinImage.RESOURCE);  // fails (or skips when CUDA is optional) without the fatbin
        fake = new FakeCuda(dir);
        List<KernelResources> report = KernelResources.fromClassPath(NvidiaRuntimeFakeDriverTest.class.getClassLoader()).orElseThrow();
        kernel = report.getFirst().kernel();
    }

    @AfterEach
    void reset() { fake.reset(); }

    private static NvidiaRuntime open() {
        return NvidiaRuntime.open(fake.driver.toString(), fake.cublas.toString(), NvidiaRuntimeFakeDriverTest.class.getClassLoader(), 0);
    }

    private static Availability probe() {
        return NvidiaRuntime.probe(fake.driver.toString(), NvidiaRuntimeFakeDriverTest.class.getClassLoader(), 0).availability();
    }

    @Test
    void theProbeDescribesTheDeviceDriverAndFatbin() {
        Availability a = probe();
        assertTrue(a.available(), a.reason());
        assertEquals("Fake GPU H0 (compute 9.0, 132 SMs, 80.0 GiB), driver CUDA 13.0, fatbin sm_80 sm_90 compute_90", a.reason());
    }

    @Test
    void theProbeSaysWhyNot() {
        fake.set(12040, 1, 9, 0);
        assertEquals("the driver supports CUDA 12.4; Lethe's fatbin (nvcc 13) needs CUDA 13.0", probe().reason());
        fake.set(13000, 1, 7, 5);
        assertEquals("Fake GPU H0 has compute capability 7.5; the fatbin has code for sm_80, sm_90, compute_90 only", probe().reason());
        fake.set(13000, 1, 8, 6);
        assertTrue(probe().available(), "sm_80 code runs on 8.6");
        fake.set(13000, 1, 12, 0);
        assertTrue(probe().available(), "compute_90 PTX is JIT-compiled for 12.0");
        fake.set(13000, 0, 9, 0);
        assertTrue(probe().reason().startsWith("cuInit failed: CUDA_ERROR_NO_DEVICE"), probe().reason());
        fake.set(13000, 1, 9, 0);
        assertFalse(NvidiaRuntime.probe(fake.driver.toString(), NvidiaRuntimeFakeDriverTest.class.getClassLoader(), 1).availability().available());
    }

    @Test
    void copiesAndMemsetsMoveTheRightBytes() {
        try (NvidiaRuntime rt = open(); Arena arena = Arena.ofConfined()) {
            assertTrue(rt.description().startsWith("cuda (Fake GPU H0"), rt.description());
            float[] data = {1, 2, 3, 4, 5, 6, 7, 8};
            long d = rt.alloc(32), e = rt.alloc(64);
            assertEquals(new MemoryCounters(96, 96, 2), rt.memory());
            rt.copyHostToDevice(d, MemorySegment.ofArray(data), 32, Stream.DEFAULT);  // a heap segment: staged
            rt.copyDeviceToDevice(e + 32, d, 32, Stream.DEFAULT);
            rt.memset32(e, Float.floatToRawIntBits(-1f), 8, Stream.DEFAULT);
            float[] back = new float[16];
            rt.copyDeviceToHost(MemorySegment.ofArray(back), e, 64, Stream.DEFAULT);
            assertArrayEquals(new float[] {-1, -1, -1, -1, -1, -1, -1, -1, 1, 2, 3, 4, 5, 6, 7, 8}, back);

            MemorySegment host = arena.allocate(32);  // a native segment: passed as it is
            rt.memset8(d, 0xAB, 5, Stream.DEFAULT);
            rt.copyDeviceToHost(host, d, 32, Stream.DEFAULT);
            for (int i = 0; i < 5; i++) assertEquals((byte) 0xAB, host.get(ValueLayout.JAVA_BYTE, i));
            assertEquals(0, host.get(ValueLayout.JAVA_BYTE, 5), "byte 5 (of 2f = 0x40000000) untouched");
            assertEquals(3f, host.getAtIndex(ValueLayout.JAVA_FLOAT, 2));
            host.setAtIndex(ValueLayout.JAVA_FLOAT, 7, 42f);
            rt.copyHostToDevice(d, host, 32, Stream.DEFAULT);
            float[] one = new float[8];
            rt.copyDeviceToHost(MemorySegment.ofArray(one), d, 32, Stream.DEFAULT);
            assertEquals(42f, one[7]);

            MemorySegment pinned = rt.allocHost(64);
            rt.copyDeviceToHost(pinned, e, 64, Stream.DEFAULT);
            assertEquals(8f, pinned.getAtIndex(ValueLayout.JAVA_FLOAT, 15));
            rt.freeHost(pinned);

            rt.free(d);
            assertEquals(new MemoryCounters(64, 96, 1), rt.memory());
            assertThrows(IllegalArgumentException.class, () -> rt.free(d), "a double free is refused before the driver sees it");
        }
        assertEquals(0, fake.liveBytes(), "close frees what is still allocated");
        assertEquals(0, fake.contextRefs(), "close releases the primary context");
    }

    @Test
    void launchPassesGridBlockSharedStreamAndThePackedArguments() {
        try (NvidiaRuntime rt = open()) {
            Stream s = rt.createStream();
            long p = rt.alloc(1024);
            fake.expectParams(4);
            rt.setMaxDynamicSharedMemory(kernel, 100_000);
            rt.launch(kernel, new Dim3(3, 2, 1), Dim3.of(256), 100_000, s, new KernelArgs().pointer(p).i32(7).f32(1.5f).i64(-3));
            FakeCuda.Launch l = fake.lastLaunch();
            assertEquals(kernel, l.kernel());
            assertArrayEquals(new int[] {3, 2, 1, 256, 1, 1, 100_000}, l.dims());
            assertEquals(s.handle(), l.stream());
            assertEquals(p, l.params()[0]);
            assertEquals(7, (int) l.params()[1], "the i32's 4 bytes");
            assertEquals(1.5f, Float.intBitsToFloat((int) l.params()[2]));
            assertEquals(-3L, l.params()[3]);
            assertTrue(l.extraNull(), "extra is NULL");
            assertEquals(1, rt.launches());
            rt.synchronize(s);
            rt.destroyStream(s);
        }
    }

    @Test
    void errorsNameTheCallTheCudaErrorAndTheKernel() {
        try (NvidiaRuntime rt = open()) {
            CudaException notFound = assertThrows(CudaException.class,
                    () -> rt.launch("no_such_kernel", Dim3.of(1), Dim3.of(32), 0, Stream.DEFAULT, new KernelArgs()));
            assertEquals("CUDA_ERROR_NOT_FOUND", notFound.errorName());
            assertEquals("no_such_kernel", notFound.kernel());

            fake.failNext("cuLaunchKernel", 701);
            CudaException launch = assertThrows(CudaException.class,
                    () -> rt.launch(kernel, Dim3.of(4), Dim3.of(64), 0, Stream.DEFAULT, new KernelArgs().i32(1)));
            assertEquals("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", launch.errorName());
            assertEquals(kernel, launch.kernel());
            assertTrue(launch.getMessage().contains("grid (4,1,1), block (64,1,1)"), launch.getMessage());

            Stream s = rt.createStream();
            rt.launch(kernel, Dim3.of(1), Dim3.of(32), 0, s, new KernelArgs());
            fake.failNext("cuStreamSynchronize", 700);
            CudaException fault = assertThrows(CudaException.class, () -> rt.synchronize(s));
            assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", fault.errorName());
            assertEquals(kernel, fault.kernel(), "an asynchronous fault names the stream's last kernel");
            assertTrue(fault.getMessage().contains("an illegal memory access was encountered"), fault.getMessage());

            long live = rt.alloc(100);
            fake.failNext("cuMemAlloc", 2);
            CudaException oom = assertThrows(CudaException.class, () -> rt.alloc(1_000_000));
            assertEquals("CUDA_ERROR_OUT_OF_MEMORY", oom.errorName(), oom.getMessage());
            assertEquals("alloc", oom.call());
            assertTrue(oom.getMessage().contains("1000000 bytes requested, " + ((80L << 30) - 100) + " bytes free of " + (80L << 30)),
                    oom.getMessage());
            rt.free(live);

            fake.failNext("cuMemsetD8Async", 12345);
            CudaException future = assertThrows(CudaException.class, () -> rt.memset8(rt.alloc(8), 0, 8, Stream.DEFAULT));
            assertEquals("CUDA_ERROR_FROM_THE_FUTURE", future.errorName(), "a code cuda.h 13.0 lacks is named by cuGetErrorName");

            CudaException optIn = assertThrows(CudaException.class, () -> rt.setMaxDynamicSharedMemory(kernel, 300_000));
            assertEquals("CUDA_ERROR_INVALID_VALUE", optIn.errorName());
            assertTrue(optIn.getMessage().contains("allows up to 232448 bytes"), optIn.getMessage());
        }
    }

    @Test
    void callsFromAnotherThreadMakeTheContextCurrentThere() throws Exception {
        try (NvidiaRuntime rt = open()) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long[] pointer = new long[1];
            Thread t = new Thread(() -> {
                try {
                    pointer[0] = rt.alloc(256);
                    rt.memset32(pointer[0], 5, 64, Stream.DEFAULT);
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            t.start();
            t.join();
            if (failure.get() != null) throw new AssertionError("a call from another thread failed", failure.get());
            int[] back = new int[64];
            rt.copyDeviceToHost(MemorySegment.ofArray(back), pointer[0], 256, Stream.DEFAULT);
            assertEquals(5, back[63]);
        }
    }

    @Test
    void eventsTime() {
        try (NvidiaRuntime rt = open()) {
            Event a = rt.createEvent(), b = rt.createEvent();
            Stream s = rt.createStream();
            rt.record(a, s);
            rt.record(b, s);
            rt.waitEvent(Stream.DEFAULT, b);
            rt.synchronize(b);
            assertEquals(1.5f, rt.elapsedMillis(a, b), "the fake's clock advances 1.5 ms a record");
            rt.destroyEvent(a);
            rt.synchronizeDevice();
        }
    }

    @Test
    void rowMajorGemmsThroughColumnMajorCublas() {
        Random r = new Random(14);
        int m = 5, n = 3, k = 4, batch = 3;
        try (NvidiaRuntime rt = open()) {
            Stream s = rt.createStream();
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true}) {
                    float[] a = random(r, batch * m * k), b = random(r, batch * k * n), c = random(r, batch * m * n);
                    int lda = ta ? m : k, ldb = tb ? k : n;
                    long da = upload(rt, a), db = upload(rt, b), dc = upload(rt, c);
                    rt.sgemm(ta, tb, m, n, k, 0.5f, da, lda, db, ldb, 2f, dc, n, s, Precision.FP32);
                    float[] got = download(rt, dc, c.length);
                    float[] want = c.clone();
                    reference(ta, tb, m, n, k, 0.5f, a, 0, lda, b, 0, ldb, 2f, want, 0, n);
                    for (int i = m * n; i < want.length; i++) want[i] = c[i];  // only the first matrix
                    assertArrayEquals(want, got, 1e-5f, "sgemm transA=" + ta + " transB=" + tb);
                    assertArrayEquals(new long[] {CublasLibrary.CUBLAS_DEFAULT_MATH, CublasLibrary.CUBLAS_POINTER_MODE_HOST, s.handle()},
                            fake.cublasLast(), "FP32 math, host pointers, the stream");

                    rt.copyHostToDevice(dc, MemorySegment.ofArray(c), 4L * c.length, s);
                    rt.sgemmStridedBatched(ta, tb, m, n, k, 1f, da, lda, (long) m * k, db, ldb, (long) k * n, 0f, dc, n,
                            (long) m * n, batch, Stream.DEFAULT, Precision.TF32);
                    got = download(rt, dc, c.length);
                    want = new float[c.length];
                    for (int i = 0; i < batch; i++)
                        reference(ta, tb, m, n, k, 1f, a, i * m * k, lda, b, i * k * n, ldb, 0f, want, i * m * n, n);
                    assertArrayEquals(want, got, 1e-5f, "strided batched transA=" + ta + " transB=" + tb);
                    assertEquals(CublasLibrary.CUBLAS_TF32_TENSOR_OP_MATH, fake.cublasLast()[0], "TF32 when asked for");
                    assertEquals(0, fake.cublasLast()[2], "the default stream");
                }
            CudaException bad = assertThrows(CudaException.class,
                    () -> rt.sgemm(false, false, 4, 4, 4, 1f, 0, 1, 0, 4, 0f, 0, 4, Stream.DEFAULT, Precision.FP32));
            assertEquals("CUBLAS_STATUS_INVALID_VALUE", bad.errorName(), "lda 1 < k 4");
        }
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    private static long upload(NvidiaRuntime rt, float[] x) {
        long p = rt.alloc(4L * x.length);
        rt.copyHostToDevice(p, MemorySegment.ofArray(x), 4L * x.length, Stream.DEFAULT);
        return p;
    }

    private static float[] download(NvidiaRuntime rt, long p, int n) {
        float[] x = new float[n];
        rt.copyDeviceToHost(MemorySegment.ofArray(x), p, 4L * n, Stream.DEFAULT);
        return x;
    }

    /** Row-major C[m,n] = alpha op(A) op(B) + beta C, op(A)[i,p] = ta ? A[p*lda+i] : A[i*lda+p]. */
    private static void reference(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int ao, int lda,
                                  float[] b, int bo, int ldb, float beta, float[] c, int co, int ldc) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double) (ta ? a[ao + p * lda + i] : a[ao + i * lda + p]) * (tb ? b[bo + j * ldb + p] : b[bo + p * ldb + j]);
                c[co + i * ldc + j] = alpha * (float) s + beta * c[co + i * ldc + j];
            }
    }
}
