// NvidiaRuntime's cuDNN wiring, without a GPU: the runtime over the fake driver (fake_cuda.c, whose "device" memory is
// host memory) with the fake libcudnn (fake_cudnn.c) loads it, reports its version for lethe info, and the "cuda"
// backend over it runs conv2d (with bias), conv2dBackwardInput and conv2dBackwardWeight through cuDNN — on contiguous
// operands no kernel is launched, so the fake driver's non-executing launches do not matter — agreeing with the ref
// backend at CudaNnParityTest's tolerance, on the backend's stream, with FMA math. Without libcudnn the runtime says
// why and offers no cuDNN; closing the runtime destroys the cuDNN handle and descriptors.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvidiaRuntimeCudnnTest {
    @TempDir static Path dir;
    static FakeCuda driver;
    static FakeCudnn cudnn;

    @BeforeAll static void build() throws Exception {
        CudaBuildSupport.resource(FatbinImage.RESOURCE);
        driver = new FakeCuda(dir);
        cudnn = new FakeCudnn(dir);
    }

    private static NvidiaRuntime open(String cudnnLibrary) {
        driver.reset();
        return NvidiaRuntime.open(driver.driver.toString(), driver.cublas.toString(), cudnnLibrary,
                NvidiaRuntimeCudnnTest.class.getClassLoader(), 0);
    }

    private static float[] normal(Random r, long n) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static View put(Backend b, List<Storage> storages, long[] shape, float[] values) {
        Storage s = b.allocate(values.length * 4L);
        storages.add(s);
        View v = View.contiguous(s, DType.FLOAT32, Shape.of(shape));
        b.write(MemorySegment.ofArray(values), v);
        return v;
    }

    private static float[] get(Backend b, View v) {
        float[] out = new float[Math.toIntExact(v.numel())];
        b.read(v, MemorySegment.ofArray(out));
        return out;
    }

    private static void assertClose(String what, float[] expected, float[] actual) {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Float.isFinite(actual[i]), what + ": element " + i + " is " + actual[i]);
            diff += (actual[i] - (double) expected[i]) * (actual[i] - (double) expected[i]);
            norm += (double) expected[i] * expected[i];
        }
        double err = Math.sqrt(diff / norm);
        assertTrue(err <= CudaNnParityTest.TOLERANCE, what + ": relative error " + err);
    }

    /** out = op(backend, inputs) for ref and the cuda backend, compared. */
    private interface Op { void run(Backend b, View[] in, View out); }

    private static void compare(String what, Backend cuda, List<Storage> storages, float[][] inputs, long[][] shapes,
                                long[] outShape, Op op) {
        Backend ref = Backends.byName("ref");
        List<Storage> refStorages = new ArrayList<>();
        float[][] results = new float[2][];
        Backend[] sides = {ref, cuda};
        for (int side = 0; side < 2; side++) {
            Backend b = sides[side];
            List<Storage> keep = side == 0 ? refStorages : storages;
            View[] in = new View[inputs.length];
            for (int i = 0; i < inputs.length; i++) in[i] = inputs[i] == null ? null : put(b, keep, shapes[i], inputs[i]);
            View out = put(b, keep, outShape, new float[Math.toIntExact(Shape.of(outShape).numel())]);
            op.run(b, in, out);
            results[side] = get(b, out);
        }
        for (Storage s : refStorages) s.release();
        assertClose(what, results[0], results[1]);
    }

    @Test void theCudaBackendConvolvesThroughCudnn() {
        Random r = new Random(9);
        var g = new Conv2dGeometry(2, 3, 7, 6, 4, 3, 3, 2, 1, 1, 1, 1, 1);
        float[] x = normal(r, 2 * 3 * 7 * 6), w = normal(r, 4 * 3 * 9), bias = normal(r, 4);
        float[] dy = normal(r, g.n() * g.k() * g.outH() * g.outW());
        int live = cudnn.live();
        cudnn.reset();
        List<Storage> storages = new ArrayList<>();
        try (NvidiaRuntime rt = open(cudnn.library.toString())) {
            assertEquals("cuDNN 9.19.0 (" + cudnn.library + ")", rt.cudnnStatus());
            assertTrue(ConvRouting.describe(rt).startsWith("cuDNN 9.19.0 ("), ConvRouting.describe(rt));
            Backend cuda = new CudaBackend(CudaGpuBackend.NAME, CudaGpuBackend.PRIORITY, rt);
            compare("conv2d", cuda, storages, new float[][] {x, w, bias}, new long[][] {g.inputShape(), g.weightShape(), {g.k()}},
                    g.outputShape(), (b, in, out) -> b.conv2d(in[0], in[1], in[2], out, g));
            compare("conv2dBackwardInput", cuda, storages, new float[][] {dy, w}, new long[][] {g.outputShape(), g.weightShape()},
                    g.inputShape(), (b, in, out) -> b.conv2dBackwardInput(in[0], in[1], out, g));
            compare("conv2dBackwardWeight", cuda, storages, new float[][] {dy, x}, new long[][] {g.outputShape(), g.inputShape()},
                    g.weightShape(), (b, in, out) -> b.conv2dBackwardWeight(in[0], in[1], out, g));
            for (int d : new int[] {FakeCudnn.FORWARD, FakeCudnn.BACKWARD_DATA, FakeCudnn.BACKWARD_FILTER}) {
                FakeCudnn.Record rec = cudnn.record(d);
                assertEquals(1, rec.calls(), "direction " + d + " ran through cuDNN");
                assertEquals(CudnnLibrary.CUDNN_FMA_MATH, rec.mathType(), "FMA math");
                assertEquals(Stream.DEFAULT.handle(), rec.stream(), "the backend's stream");
            }
            assertEquals(1, cudnn.record(FakeCudnn.ADD_TENSOR).calls());
            for (Storage s : storages) s.release();
        }
        assertEquals(live, cudnn.live(), "the runtime's close destroyed the cuDNN handle and descriptors");
    }

    @Test void withoutLibcudnnTheRuntimeSaysWhy() {
        String missing = dir.resolve("nowhere/libcudnn.so.9").toString();
        try (NvidiaRuntime rt = open(missing)) {
            assertTrue(rt.cudnn().isEmpty());
            assertEquals(missing + " not found", rt.cudnnStatus());
            assertEquals("Lethe's kernels (" + missing + " not found)", ConvRouting.describe(rt));
        }
    }
}
