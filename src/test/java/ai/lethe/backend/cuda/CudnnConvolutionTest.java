// The CUDA backend's cuDNN convolution path without a GPU: cuda-emu opened with the fake libcudnn
// (src/test/resources/cuda-fake/fake_cudnn.c, naive loops on host pointers, independent of the binding), whose
// "device" pointers are the emulator's host addresses. conv2d (with and without bias), conv2dBackwardInput and
// conv2dBackwardWeight through CudnnLibrary/CudnnConvolutions agree with the ref backend and with Lethe's own kernels
// (the same backend with lethe.cuda.conv=kernels) at CudaNnParityTest's tolerance (1e-5 norm-wise relative), on odd
// sizes, stride 2, padding, dilation and 1x1 kernels. The fake's record shows the cuDNN path ran (a silent fallback
// to the kernels fails), with FMA math (no TF32), the algorithm whose workspace fits (not the NOT_SUPPORTED or the
// oversized one listed before it) and that workspace; with kernels forced it did not run. Error statuses surface as
// CudaExceptions naming the call and the CUDNN_STATUS_* name; without libcudnn, auto uses the kernels and cudnn
// says why not; descriptors are cached per geometry and destroyed with the runtime.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CudnnConvolutionTest {
    static final double TOLERANCE = CudaNnParityTest.TOLERANCE;

    @TempDir static Path dir;
    static FakeCudnn fake;
    static EmulatedRuntime runtime;
    static CudaBackend dnn;

    private final Backend ref = Backends.byName("ref");
    private final Random random = new Random(42);
    private final List<Storage> storages = new ArrayList<>();

    @BeforeAll static void open() throws Exception {
        EmulatorSupport.open().close();
        fake = new FakeCudnn(dir);
        runtime = EmulatedRuntime.openWithCudnn(fake.library.toString());
        dnn = new CudaBackend(CudaBackend.EMULATED, CudaBackend.EMULATED_PRIORITY, runtime);
        assertTrue(dnn.availability().available(), dnn.availability().reason());
    }

    @AfterAll static void close() {
        if (runtime != null) runtime.close();
    }

    @BeforeEach void reset() {
        fake.reset();
        System.clearProperty(ConvRouting.PROPERTY);
    }

    @AfterEach void release() {
        System.clearProperty(ConvRouting.PROPERTY);
        for (Storage s : storages) if (!s.isFreed()) s.release();
    }

    // ---- tensors ---------------------------------------------------------------------------------------------

    private float[] normal(long n) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return v;
    }

    private View put(Backend b, long[] shape, float[] values) {
        Storage s = b.allocate(Math.max(1, values.length) * 4L);
        storages.add(s);
        View v = View.contiguous(s, DType.FLOAT32, Shape.of(shape));
        if (values.length > 0) b.write(MemorySegment.ofArray(values), v);
        return v;
    }

    /** An output tensor filled with NaN (cuDNN's beta = 0 must not read it). */
    private View nan(Backend b, long[] shape) {
        float[] v = new float[Math.toIntExact(Shape.of(shape).numel())];
        java.util.Arrays.fill(v, Float.NaN);
        return put(b, shape, v);
    }

    private static float[] get(Backend b, View v) {
        float[] out = new float[Math.toIntExact(v.numel())];
        b.read(v, MemorySegment.ofArray(out));
        return out;
    }

    private static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            if (!Float.isFinite(actual[i])) fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            diff += (actual[i] - (double) expected[i]) * (actual[i] - (double) expected[i]);
            norm += (double) expected[i] * expected[i];
        }
        double err = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        assertTrue(err <= TOLERANCE, what + ": relative error " + err + " > " + TOLERANCE);
    }

    private static <T> T withMode(String mode, Supplier<T> body) {
        System.setProperty(ConvRouting.PROPERTY, mode);
        try {
            return body.get();
        } finally {
            System.clearProperty(ConvRouting.PROPERTY);
        }
    }

    // ---- the three convolutions through cuDNN ---------------------------------------------------------------

    static Stream<Arguments> geometries() {
        return Stream.of(
                Arguments.of(new Conv2dGeometry(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1), true),    // padded 3x3
                Arguments.of(new Conv2dGeometry(2, 3, 9, 8, 5, 3, 3, 2, 2, 1, 1, 1, 1), false),   // stride 2
                Arguments.of(new Conv2dGeometry(2, 3, 9, 8, 5, 3, 3, 2, 2, 1, 1, 1, 1), true),    // stride 2, bias
                Arguments.of(new Conv2dGeometry(3, 2, 10, 11, 5, 3, 2, 2, 1, 1, 0, 1, 1), true),  // odd, asymmetric
                Arguments.of(new Conv2dGeometry(1, 2, 8, 9, 3, 3, 2, 1, 2, 2, 1, 2, 1), true),    // dilated
                Arguments.of(new Conv2dGeometry(2, 4, 5, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1), false),   // 1x1
                Arguments.of(new Conv2dGeometry(2, 3, 5, 5, 2, 1, 1, 2, 2, 1, 1, 1, 1), true),    // 1x1, padded, strided
                Arguments.of(new Conv2dGeometry(1, 3, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 1), false),   // kernel = input
                Arguments.of(new Conv2dGeometry(1, 1, 3, 3, 1, 3, 3, 1, 1, 0, 0, 1, 1), true));   // one output
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void cudnnAgreesWithRefAndTheKernels(Conv2dGeometry g, boolean withBias) {
        float[] x = normal(g.n() * g.c() * g.h() * g.w()), w = normal(g.k() * g.c() * g.kh() * g.kw());
        float[] bias = withBias ? normal(g.k()) : null, dy = normal(g.n() * g.k() * g.outH() * g.outW());

        // forward
        float[] expected = forward(ref, g, x, w, bias);
        float[] viaCudnn = forward(dnn, g, x, w, bias);
        FakeCudnn.Record r = fake.record(FakeCudnn.FORWARD);
        assertEquals(1, r.calls(), "cudnnConvolutionForward ran once (no silent fallback to the kernels)");
        assertEquals(CudnnLibrary.CUDNN_FMA_MATH, r.mathType(), "FMA math, not TF32");
        assertEquals(1, r.algorithm(), "the first SUCCESS algorithm whose workspace fits");
        assertEquals(g.k() * g.c() * 4 + 64, r.workspaceBytes(), "the workspace cudnnGetConvolutionForwardWorkspaceSize asked for");
        assertEquals(withBias ? 1 : 0, fake.record(FakeCudnn.ADD_TENSOR).calls(), "cudnnAddTensor adds the bias");
        assertClose("cuDNN conv2d vs ref " + g, expected, viaCudnn);
        float[] viaKernels = withMode("kernels", () -> forward(dnn, g, x, w, bias));
        assertEquals(1, fake.record(FakeCudnn.FORWARD).calls(), "lethe.cuda.conv=kernels does not call cuDNN");
        assertClose("cuDNN conv2d vs the kernels " + g, viaKernels, viaCudnn);

        // gradient of the input
        expected = backwardInput(ref, g, dy, w);
        viaCudnn = backwardInput(dnn, g, dy, w);
        r = fake.record(FakeCudnn.BACKWARD_DATA);
        assertEquals(1, r.calls(), "cudnnConvolutionBackwardData ran");
        assertEquals(CudnnLibrary.CUDNN_FMA_MATH, r.mathType());
        assertEquals(1, r.algorithm());
        assertClose("cuDNN conv2dBackwardInput vs ref " + g, expected, viaCudnn);
        viaKernels = withMode("kernels", () -> backwardInput(dnn, g, dy, w));
        assertClose("cuDNN conv2dBackwardInput vs the kernels " + g, viaKernels, viaCudnn);

        // gradient of the weight
        expected = backwardWeight(ref, g, dy, x);
        viaCudnn = withMode("cudnn", () -> backwardWeight(dnn, g, dy, x));
        r = fake.record(FakeCudnn.BACKWARD_FILTER);
        assertEquals(1, r.calls(), "cudnnConvolutionBackwardFilter ran");
        assertEquals(CudnnLibrary.CUDNN_FMA_MATH, r.mathType());
        assertEquals(1, r.algorithm());
        assertEquals(ai.lethe.backend.cuda.Stream.DEFAULT.handle(), r.stream(), "on the backend's stream");
        assertClose("cuDNN conv2dBackwardWeight vs ref " + g, expected, viaCudnn);
        viaKernels = withMode("kernels", () -> backwardWeight(dnn, g, dy, x));
        assertEquals(1, fake.record(FakeCudnn.BACKWARD_FILTER).calls());
        assertClose("cuDNN conv2dBackwardWeight vs the kernels " + g, viaKernels, viaCudnn);
    }

    private float[] forward(Backend b, Conv2dGeometry g, float[] x, float[] w, float[] bias) {
        View out = nan(b, g.outputShape());
        b.conv2d(put(b, g.inputShape(), x), put(b, g.weightShape(), w), bias == null ? null : put(b, new long[] {g.k()}, bias), out, g);
        return get(b, out);
    }

    private float[] backwardInput(Backend b, Conv2dGeometry g, float[] dy, float[] w) {
        View dx = nan(b, g.inputShape());
        b.conv2dBackwardInput(put(b, g.outputShape(), dy), put(b, g.weightShape(), w), dx, g);
        return get(b, dx);
    }

    private float[] backwardWeight(Backend b, Conv2dGeometry g, float[] dy, float[] x) {
        View dw = nan(b, g.weightShape());
        b.conv2dBackwardWeight(put(b, g.outputShape(), dy), put(b, g.inputShape(), x), dw, g);
        return get(b, dw);
    }

    @Test void stridedOperandsAreStagedForCudnn() {
        var g = new Conv2dGeometry(2, 3, 6, 7, 4, 3, 3, 2, 1, 1, 1, 1, 1);
        float[] x = normal(g.n() * g.c() * g.h() * g.w()), w = normal(g.k() * g.c() * 9);
        // x as the transpose of a [N, C, W, H] tensor: a strided view
        float[] xt = new float[x.length];
        for (int n = 0; n < 2; n++) for (int c = 0; c < 3; c++) for (int h = 0; h < 6; h++) for (int ww = 0; ww < 7; ww++)
            xt[((n * 3 + c) * 7 + ww) * 6 + h] = x[((n * 3 + c) * 6 + h) * 7 + ww];
        View t = put(dnn, new long[] {2, 3, 7, 6}, xt);
        View xs = new View(t.storage(), DType.FLOAT32, 0, g.inputShape(), new long[] {126, 42, 1, 6});
        assertFalse(xs.isContiguous());
        View out = nan(dnn, g.outputShape());
        dnn.conv2d(xs, put(dnn, g.weightShape(), w), null, out, g);
        assertEquals(1, fake.record(FakeCudnn.FORWARD).calls());
        assertClose("conv2d of a strided input through cuDNN", forward(ref, g, x, w, null), get(dnn, out));
    }

    // ---- errors, routing, lifetime -------------------------------------------------------------------------

    @Test void anErrorStatusNamesTheCallAndTheStatus() {
        var g = new Conv2dGeometry(1, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] x = normal(50), w = normal(54);
        fake.failNext("cudnnConvolutionForward", 5000);
        CudaException e = assertThrows(CudaException.class, () -> forward(dnn, g, x, w, null));
        assertEquals("cudnnConvolutionForward", e.call());
        assertEquals("CUDNN_STATUS_EXECUTION_FAILED", e.errorName());
        assertTrue(e.getMessage().contains("x [1, 2, 5, 5]"), e.getMessage());

        var g2 = new Conv2dGeometry(1, 2, 6, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1);  // a new geometry: a new algorithm search
        fake.failNext("cudnnGetConvolutionBackwardDataAlgorithm_v7", CudnnLibrary.CUDNN_STATUS_BAD_PARAM);
        e = assertThrows(CudaException.class, () -> backwardInput(dnn, g2, normal(90), w));
        assertEquals("cudnnGetConvolutionBackwardDataAlgorithm_v7", e.call());
        assertEquals("CUDNN_STATUS_BAD_PARAM", e.errorName());
        assertTrue(e.getMessage().contains("CUDNN_STATUS_BAD_PARAM"), e.getMessage());

        // the failures left nothing broken: the next calls succeed and agree with ref
        assertClose("after the errors", forward(ref, g, x, w, null), forward(dnn, g, x, w, null));
    }

    @Test void autoWithoutLibcudnnUsesTheKernelsAndCudnnModeSaysWhy() {
        try (EmulatedRuntime none = EmulatedRuntime.openWithCudnn(dir.resolve("no-such/libcudnn.so.9").toString())) {
            assertTrue(none.cudnn().isEmpty());
            assertTrue(none.cudnnStatus().contains("not found"), none.cudnnStatus());
            assertTrue(ConvRouting.describe(none).startsWith("Lethe's kernels ("), ConvRouting.describe(none));
            Backend kernels = new CudaBackend(CudaBackend.EMULATED, CudaBackend.EMULATED_PRIORITY, none);
            var g = new Conv2dGeometry(2, 3, 6, 5, 4, 3, 3, 2, 1, 1, 1, 1, 1);
            float[] x = normal(180), w = normal(108), bias = normal(4);
            assertClose("auto without cuDNN", forward(ref, g, x, w, bias), forward(kernels, g, x, w, bias));
            assertEquals(0, fake.record(FakeCudnn.FORWARD).calls());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> withMode("cudnn", () -> forward(kernels, g, x, w, bias)));
            assertTrue(e.getMessage().contains("lethe.cuda.conv=cudnn") && e.getMessage().contains("not found"), e.getMessage());
        }
    }

    @Test void aHandleThatCannotBeCreatedCountsAsNoCudnn() {
        fake.failNext("cudnnCreate", 1001);
        try (EmulatedRuntime broken = EmulatedRuntime.openWithCudnn(fake.library.toString())) {
            assertTrue(broken.cudnn().isEmpty());
            assertTrue(broken.cudnnStatus().contains("cudnnCreate failed: CUDNN_STATUS_NOT_INITIALIZED"), broken.cudnnStatus());
            assertTrue(ConvRouting.describe(broken).startsWith("Lethe's kernels (cuDNN 9.19.0"), ConvRouting.describe(broken));
            Backend b = new CudaBackend(CudaBackend.EMULATED, CudaBackend.EMULATED_PRIORITY, broken);
            var g = new Conv2dGeometry(1, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1);
            float[] x = normal(50), w = normal(54);
            assertClose("auto with a broken cuDNN", forward(ref, g, x, w, null), forward(b, g, x, w, null));
            assertEquals(0, fake.record(FakeCudnn.FORWARD).calls());
            for (Storage s : storages) if (!s.isFreed()) s.release();
            storages.clear();
        }
    }

    @Test void theSwitchIsValidatedAndDescribed() {
        assertEquals(ConvRouting.Mode.AUTO, ConvRouting.mode());
        assertTrue(ConvRouting.describe(runtime).startsWith("cuDNN 9.19.0 ("), ConvRouting.describe(runtime));
        withMode("KERNELS", () -> {
            assertEquals(ConvRouting.Mode.KERNELS, ConvRouting.mode());
            assertTrue(ConvRouting.describe(runtime).startsWith("Lethe's kernels (lethe.cuda.conv=kernels"));
            return null;
        });
        withMode("fast", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ConvRouting::mode);
            assertTrue(e.getMessage().contains("-Dlethe.cuda.conv=fast: expected auto, cudnn or kernels"), e.getMessage());
            return null;
        });
    }

    @Test void whenNoAlgorithmFitsAutoUsesTheKernelsAndCudnnModeSaysWhy() {
        var g = new Conv2dGeometry(1, 3, 6, 7, 2, 3, 3, 1, 1, 0, 1, 1, 1);  // a geometry not yet planned
        float[] x = normal(126), w = normal(54);
        fake.oversized(true);
        try {
            assertClose("auto, no algorithm fits", forward(ref, g, x, w, null), forward(dnn, g, x, w, null));
            assertEquals(0, fake.record(FakeCudnn.FORWARD).calls(), "the kernels ran, not cuDNN");
            var g2 = new Conv2dGeometry(1, 3, 6, 8, 2, 3, 3, 1, 1, 0, 1, 1, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> withMode("cudnn", () -> forward(dnn, g2, normal(144), w, null)));
            assertTrue(e.getMessage().contains("no algorithm") && e.getMessage().contains("lethe.cuda.conv=cudnn"), e.getMessage());
        } finally {
            fake.oversized(false);
        }
    }

    @Test void tf32IsUsedOnlyWhenAllowed() {
        CudnnConvolutions c = runtime.cudnn().orElseThrow();
        var g = new Conv2dGeometry(1, 2, 5, 6, 3, 3, 3, 1, 1, 1, 1, 1, 1);
        assertEquals(CudnnLibrary.CUDNN_FMA_MATH, c.plan(CudnnConvolutions.Direction.FORWARD, g, false).mathType());
        assertEquals(CudnnLibrary.CUDNN_DEFAULT_MATH, c.plan(CudnnConvolutions.Direction.FORWARD, g, true).mathType(),
                "allowTf32: the default math type, which lets an Ampere+ GPU use TF32 tensor cores");
    }

    @Test void aLibraryThatIsNotCudnn9IsRefusedWithItsVersion() {
        fake.version(80907);
        try {
            CudnnLibrary.Load l = CudnnLibrary.load(fake.library.toString());
            assertFalse(l.loaded());
            assertTrue(l.reason().contains("cuDNN 8.9.7"), l.reason());
        } finally {
            fake.reset();
        }
        CudnnLibrary.Load l = CudnnLibrary.load(fake.library.toString());
        assertEquals(91900, l.library().version());
        assertEquals("cuDNN 9.19.0 (" + fake.library + ")", l.library().describe());
    }

    @Test void descriptorsAreCachedPerGeometryAndDestroyedWithTheRuntime() {
        int before = fake.live();
        try (EmulatedRuntime rt = EmulatedRuntime.openWithCudnn(fake.library.toString())) {
            Backend b = new CudaBackend(CudaBackend.EMULATED, CudaBackend.EMULATED_PRIORITY, rt);
            var g = new Conv2dGeometry(1, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1);
            float[] x = normal(50), w = normal(54), bias = normal(3);
            forward(b, g, x, w, bias);
            int afterFirst = fake.live();
            assertEquals(before + 1 + 5, afterFirst, "a handle, and x, w, y, bias and convolution descriptors");
            forward(b, g, x, w, bias);
            backwardInput(b, g, normal(75), w);
            assertEquals(afterFirst, fake.live(), "the same geometry reuses its descriptors");
            forward(b, new Conv2dGeometry(1, 2, 6, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1), normal(60), w, null);
            assertEquals(afterFirst + 5, fake.live(), "a new geometry gets its own");
            for (Storage s : storages) if (!s.isFreed()) s.release();
            storages.clear();
        }
        assertEquals(before, fake.live(), "closing the runtime destroys the handle and every descriptor");
    }
}
