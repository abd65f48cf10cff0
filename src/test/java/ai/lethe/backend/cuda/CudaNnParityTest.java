// Parity of the CUDA backend's nn kernels (cuda-kernels/conv.cu, norm.cu, softmax.cu, pool.cu) on cuda-emu with
// the ref backend, called through the Backend SPI with identical operands: conv2d and both gradients (odd sizes,
// strides 2 and 3, padding, dilation, 1x1, more than one 64 x 64 output tile, bias or not), batch norm (train, eval,
// backward with and without batch statistics, optional operands), layer norm (rows longer than a block), softmax
// and log-softmax (rows and strided columns, -inf and NaN), max/avg/adaptive pooling (padding, ceil-mode sizes) and
// their gradients, strided and overlapping operands, and the errors (float64, out-of-range max-pool indices).
// Tolerance: the conformance suite's 1e-5 norm-wise relative error (the kernels sum in float, see nn_common.cuh
// and conv.cu; ref in double). Sizes are small: the emulator runs every CUDA thread on the CPU.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CudaNnParityTest {
    static final double TOLERANCE = 1e-5;

    private Backend ref, emu;
    private final Random random = new Random(1234);
    private final List<Storage> storages = new ArrayList<>();

    @BeforeEach void open() {
        emu = CudaBackendTest.emu();
        ref = Backends.byName("ref");
    }

    @AfterEach void release() {
        for (Storage s : storages) if (!s.isFreed()) s.release();
    }

    // ---- mirrored tensors ----------------------------------------------------------------------------------

    /** The same window on each backend: dtype, shape, strides, offset and storage contents equal. */
    record Pair(View ref, View emu, long capacity) {
        Pair map(java.util.function.UnaryOperator<View> f) { return new Pair(f.apply(ref), f.apply(emu), capacity); }
    }

    /** A view of {@code shape} with the given strides at {@code offset} of a storage whose element i is value(i). */
    private Pair strided(DType dtype, long[] shape, long[] strides, long offset, long capacity, LongToDoubleFunction value) {
        double[] init = new double[Math.toIntExact(capacity)];
        for (int i = 0; i < init.length; i++) init[i] = value.applyAsDouble(i);
        return new Pair(make(ref, dtype, shape, strides, offset, init), make(emu, dtype, shape, strides, offset, init), capacity);
    }

    private View make(Backend b, DType dtype, long[] shape, long[] strides, long offset, double[] init) {
        Storage s = b.allocate(Math.max(1, init.length) * (long) dtype.byteSize());
        storages.add(s);
        if (init.length > 0) b.write(StorageValues.hostOf(dtype, init), new View(s, dtype, 0, new long[] {init.length}, new long[] {1}));
        return new View(s, dtype, offset, shape, strides);
    }

    private Pair tensor(DType dtype, long[] shape, LongToDoubleFunction value) {
        long n = Shape.of(shape).numel();
        return strided(dtype, shape, Shape.of(shape).contiguousStrides(), 0, n, value);
    }

    private Pair normal(long... shape) { return tensor(DType.FLOAT32, shape, i -> random.nextGaussian()); }

    private Pair uniform(double lo, double hi, long... shape) {
        return tensor(DType.FLOAT32, shape, i -> lo + (hi - lo) * random.nextDouble());
    }

    /** An output whose every element starts as NaN (int64: -7) on both sides. */
    private Pair output(DType dtype, long... shape) { return tensor(dtype, shape, i -> dtype == DType.INT64 ? -7 : Double.NaN); }

    private Pair output(long... shape) { return output(DType.FLOAT32, shape); }

    /** A float32 view of {@code shape} inside a larger storage: every dimension padded by one, offset 3. */
    private Pair padded(long[] shape, LongToDoubleFunction value) {
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = stride;
            stride *= shape[d] + 1;
        }
        return strided(DType.FLOAT32, shape, strides, 3, stride + 3, value);
    }

    /** Every storage element of a view's storage, as doubles. */
    private static double[] storageValues(Backend b, View v, long capacity) {
        int n = Math.toIntExact(capacity);
        View whole = new View(v.storage(), v.dtype(), 0, new long[] {n}, new long[] {1});
        double[] out = new double[n];
        switch (v.dtype()) {
            case FLOAT32 -> {
                float[] f = new float[n];
                b.read(whole, MemorySegment.ofArray(f));
                for (int i = 0; i < n; i++) out[i] = f[i];
            }
            case FLOAT64 -> b.read(whole, MemorySegment.ofArray(out));
            case INT64 -> {
                long[] l = new long[n];
                b.read(whole, MemorySegment.ofArray(l));
                for (int i = 0; i < n; i++) out[i] = l[i];
            }
        }
        return out;
    }

    /** The view's elements, row-major. */
    private static double[] values(Backend b, View v, long capacity) {
        double[] all = storageValues(b, v, capacity);
        double[] out = new double[Math.toIntExact(v.numel())];
        long[] idx = new long[v.rank()];
        for (int i = 0; i < out.length; i++) {
            long off = v.offset();
            for (int d = 0; d < v.rank(); d++) off += idx[d] * v.stride(d);
            out[i] = all[(int) off];
            for (int d = v.rank() - 1; d >= 0; d--) {
                if (++idx[d] < v.dim(d)) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    /** One backend and its half of each Pair. */
    record Side(Backend backend, boolean isRef) {
        View v(Pair p) { return p == null ? null : isRef ? p.ref() : p.emu(); }
    }

    private void run(Consumer<Side> op) {
        op.accept(new Side(ref, true));
        op.accept(new Side(emu, false));
    }

    /** ||emu - ref|| / ||ref|| <= TOLERANCE over the view, NaN and infinities at the same places. */
    private void assertClose(String what, Pair p) {
        assertClose(what, values(ref, p.ref(), p.capacity()), values(emu, p.emu(), p.capacity()));
    }

    /** The same over the whole storage (nothing written outside the window). */
    private void assertStorageClose(String what, Pair p) {
        assertClose(what + " (whole storage)", storageValues(ref, p.ref(), p.capacity()),
                storageValues(emu, p.emu(), p.capacity()));
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (!Double.isFinite(e) || !Double.isFinite(a)) {
                if (!(Double.compare(e, a) == 0 || (Double.isNaN(e) && Double.isNaN(a))))
                    fail(what + ": element " + i + " is " + a + ", ref has " + e);
                continue;
            }
            diff += (a - e) * (a - e);
            norm += e * e;
        }
        double err = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        assertTrue(err <= TOLERANCE, what + ": relative error " + err + " > " + TOLERANCE);
    }

    private void assertExact(String what, Pair p) {
        assertArrayEquals(values(ref, p.ref(), p.capacity()), values(emu, p.emu(), p.capacity()), what);
    }

    // ---- convolution ----------------------------------------------------------------------------------------

    static Stream<Arguments> convolutions() {
        return Stream.of(
                //                            n  c  h   w  k kh kw sh sw ph pw dh dw        bias
                Arguments.of(new Conv2dGeometry(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1), true),
                Arguments.of(new Conv2dGeometry(2, 3, 9, 8, 5, 3, 3, 2, 2, 1, 1, 1, 1), false),    // stride 2
                Arguments.of(new Conv2dGeometry(3, 2, 10, 11, 5, 3, 2, 2, 1, 1, 0, 1, 1), true),  // odd, asymmetric
                Arguments.of(new Conv2dGeometry(1, 2, 8, 9, 3, 3, 2, 1, 2, 2, 1, 2, 1), true),    // dilated
                Arguments.of(new Conv2dGeometry(2, 4, 5, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1), false),   // 1x1
                Arguments.of(new Conv2dGeometry(2, 3, 5, 5, 2, 1, 1, 2, 2, 1, 1, 1, 1), false),   // 1x1, padded, strided
                Arguments.of(new Conv2dGeometry(1, 2, 9, 9, 3, 3, 3, 3, 3, 1, 1, 1, 1), true),    // stride 3
                Arguments.of(new Conv2dGeometry(1, 3, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 1), false),   // kernel = input
                Arguments.of(new Conv2dGeometry(2, 5, 9, 7, 70, 3, 3, 1, 1, 1, 1, 1, 1), true),   // K > one 64-row tile
                Arguments.of(new Conv2dGeometry(2, 20, 6, 5, 17, 3, 3, 1, 2, 1, 1, 1, 1), true),  // C, K > 16: 64-row tiles
                Arguments.of(new Conv2dGeometry(2, 3, 13, 12, 8, 3, 3, 1, 1, 1, 1, 1, 1), true),  // narrow fwd, bwd input
                Arguments.of(new Conv2dGeometry(1, 30, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1), false),  // narrow weight gradient
                Arguments.of(new Conv2dGeometry(1, 1, 3, 3, 1, 3, 3, 1, 1, 0, 0, 1, 1), true),    // one output
                Arguments.of(new Conv2dGeometry(0, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1), true));   // no samples
    }

    @ParameterizedTest
    @MethodSource("convolutions")
    void conv2dAndItsGradients(Conv2dGeometry g, boolean withBias) {
        long oh = g.outH(), ow = g.outW();
        Pair x = normal(g.n(), g.c(), g.h(), g.w()), w = normal(g.k(), g.c(), g.kh(), g.kw());
        Pair bias = withBias ? normal(g.k()) : null;
        Pair out = output(g.n(), g.k(), oh, ow);
        run(s -> s.backend().conv2d(s.v(x), s.v(w), s.v(bias), s.v(out), g));
        assertClose("conv2d " + g, out);

        Pair dy = normal(g.n(), g.k(), oh, ow), dx = output(g.n(), g.c(), g.h(), g.w());
        run(s -> s.backend().conv2dBackwardInput(s.v(dy), s.v(w), s.v(dx), g));
        assertClose("conv2dBackwardInput " + g, dx);

        Pair dw = output(g.k(), g.c(), g.kh(), g.kw());
        run(s -> s.backend().conv2dBackwardWeight(s.v(dy), s.v(x), s.v(dw), g));
        assertClose("conv2dBackwardWeight " + g, dw);
    }

    @Test void narrowTilesServeFewRowsOverManyColumns() {
        assertEquals(16, CudaNn.ConvTile.of(8, 312).rows());    // conv2d of (2, 3, 13, 12) -> 8 channels
        assertEquals(16, CudaNn.ConvTile.of(3, 312).rows());    // its input gradient
        assertEquals(16, CudaNn.ConvTile.of(4, 270).rows());    // weight gradient of 30 channels 3x3 -> 4
        assertEquals(64, CudaNn.ConvTile.of(8, 27).rows());     // few columns: the square tile
        assertEquals(64, CudaNn.ConvTile.of(17, 1000).rows());  // more than 16 rows
    }

    @Test void conv2dOnStridedOperands() {
        var g = new Conv2dGeometry(2, 3, 6, 7, 4, 3, 3, 2, 1, 1, 1, 1, 1);
        Pair x = padded(g.inputShape(), i -> random.nextGaussian()), w = padded(g.weightShape(), i -> random.nextGaussian());
        Pair out = padded(g.outputShape(), i -> Double.NaN);
        run(s -> s.backend().conv2d(s.v(x), s.v(w), null, s.v(out), g));
        assertStorageClose("conv2d strided", out);
        Pair dy = padded(g.outputShape(), i -> random.nextGaussian()), dx = padded(g.inputShape(), i -> Double.NaN);
        run(s -> s.backend().conv2dBackwardInput(s.v(dy), s.v(w), s.v(dx), g));
        assertStorageClose("conv2dBackwardInput strided", dx);
        Pair dw = padded(g.weightShape(), i -> Double.NaN);
        run(s -> s.backend().conv2dBackwardWeight(s.v(dy), s.v(x), s.v(dw), g));
        assertStorageClose("conv2dBackwardWeight strided", dw);
    }

    @Test void conv2dWeightGradientSplitsItsLongReduction() {
        // R = N·OH·OW terms split over grid.z (slices of at least 256 terms, multiples of 16): 576 = 2 x 288 over one
        // output tile; 676 = 352 + 324 (a short last slice); 1521 = 4 x 320 + 241 over two 64-row tiles (K = 70)
        var geometries = List.of(new Conv2dGeometry(4, 2, 12, 12, 3, 3, 3, 1, 1, 1, 1, 1, 1),
                new Conv2dGeometry(4, 2, 13, 13, 3, 3, 3, 1, 1, 1, 1, 1, 1),
                new Conv2dGeometry(1, 1, 39, 39, 70, 3, 3, 1, 1, 1, 1, 1, 1));
        assertEquals(2, CudaNn.weightGradientSplits(3, 18, 576));
        assertEquals(2, CudaNn.weightGradientSplits(3, 18, 676));
        assertEquals(5, CudaNn.weightGradientSplits(70, 9, 1521));
        assertEquals(1, CudaNn.weightGradientSplits(64, 64 * 256, 100_000));
        assertEquals(4, CudaNn.weightGradientSplits(16, 16 * 4 * 256, 100_000));   // 64 narrow tiles
        assertEquals(86, CudaNn.weightGradientSplits(16, 144, 100_000));   // 3 wide tiles (few columns)
        assertEquals(1, CudaNn.weightGradientSplits(3, 18, 300));
        for (var g : geometries) {
            Pair x = normal(g.inputShape()), dy = normal(g.outputShape()), dw = output(g.weightShape());
            run(s -> s.backend().conv2dBackwardWeight(s.v(dy), s.v(x), s.v(dw), g));
            assertClose("conv2dBackwardWeight " + g, dw);
        }
    }

    // ---- batch norm -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void batchNormTrainEvalAndBackward(boolean affine) {
        // channels of 40 (a 32-thread block), 450 (64 threads) and 1 element(s)
        assertEquals(List.of(32, 64, 32, 1024), List.of(CudaNn.channelBlock(40), CudaNn.channelBlock(450),
                CudaNn.channelBlock(1), CudaNn.channelBlock(1 << 20)));
        for (long[] shape : new long[][] {{4, 3, 10}, {3, 2, 150}, {1, 2, 1}}) {
            for (boolean running : new boolean[] {true, false}) {
                long c = shape[1];
                String what = "batch norm " + Arrays.toString(shape) + (affine ? " affine" : "") + (running ? " running" : "");
                Pair x = tensor(DType.FLOAT32, shape, i -> 3 + 2 * random.nextGaussian());
                Pair weight = affine ? normal(c) : null, bias = affine ? normal(c) : null;
                Pair rm = running ? normal(c) : null, rv = running ? uniform(0.5, 2, c) : null;
                Pair out = output(shape), mean = output(c), invStd = output(c);
                run(s -> s.backend().batchNormTrain(s.v(x), s.v(weight), s.v(bias), s.v(rm), s.v(rv), s.v(out), s.v(mean),
                        s.v(invStd), 0.1, 1e-5));
                assertClose(what + " out", out);
                assertClose(what + " mean", mean);
                assertClose(what + " invStd", invStd);
                if (running) {
                    assertClose(what + " running mean", rm);
                    assertClose(what + " running var", rv);
                    Pair evalOut = output(shape);
                    run(s -> s.backend().batchNormEval(s.v(x), s.v(weight), s.v(bias), s.v(rm), s.v(rv), s.v(evalOut), 1e-5));
                    assertClose(what + " eval", evalOut);
                }
                for (boolean batchStatistics : new boolean[] {true, false}) {
                    String mode = batchStatistics ? " (batch statistics)" : " (running statistics)";
                    Pair dy = normal(shape), dx = output(shape);
                    Pair dw = running ? output(c) : null, db = running ? output(c) : null;
                    run(s -> s.backend().batchNormBackward(s.v(dy), s.v(x), s.v(weight), s.v(mean), s.v(invStd), s.v(dx),
                            s.v(dw), s.v(db), batchStatistics));
                    assertClose(what + " dx" + mode, dx);
                    if (running) {
                        assertClose(what + " dweight" + mode, dw);
                        assertClose(what + " dbias" + mode, db);
                    }
                    Pair onlyParams = output(c);
                    run(s -> s.backend().batchNormBackward(s.v(dy), s.v(x), s.v(weight), s.v(mean), s.v(invStd), null,
                            s.v(onlyParams), null, batchStatistics));
                    assertClose(what + " dweight without dx" + mode, onlyParams);
                }
            }
        }
    }

    @Test void batchNormWithAThousandThreadsAChannel() {
        long[] shape = {4, 2, 2100};   // 8400 elements a channel: blocks of 1024 threads, some walking 9 elements
        Pair x = tensor(DType.FLOAT32, shape, i -> 1 + random.nextGaussian()), weight = normal(2), bias = normal(2);
        Pair out = output(shape), mean = output(2), invStd = output(2);
        run(s -> s.backend().batchNormTrain(s.v(x), s.v(weight), s.v(bias), null, null, s.v(out), s.v(mean), s.v(invStd),
                0.1, 1e-5));
        assertClose("batchNormTrain 1024 threads out", out);
        assertClose("batchNormTrain 1024 threads invStd", invStd);
        Pair dy = normal(shape), dx = output(shape), dw = output(2), db = output(2);
        run(s -> s.backend().batchNormBackward(s.v(dy), s.v(x), s.v(weight), s.v(mean), s.v(invStd), s.v(dx), s.v(dw),
                s.v(db), true));
        assertClose("batchNormBackward 1024 threads dx", dx);
        assertClose("batchNormBackward 1024 threads dweight", dw);
        assertClose("batchNormBackward 1024 threads dbias", db);
    }

    @Test void batchNormOnAStridedInputAndOutput() {
        long[] shape = {3, 4, 5};
        Pair x = padded(shape, i -> random.nextGaussian()), out = padded(shape, i -> Double.NaN);
        Pair mean = output(4), invStd = output(4);
        run(s -> s.backend().batchNormTrain(s.v(x), null, null, null, null, s.v(out), s.v(mean), s.v(invStd), 0.1, 1e-5));
        assertStorageClose("batchNormTrain strided out", out);
        assertClose("batchNormTrain strided mean", mean);
    }

    // ---- layer norm -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void layerNormAndBackward(boolean affine) {
        // one-pass kernels (d <= 4096; float4 rows and scalar ones; blocks walking 16+ rows: 40 x 384, 300 x 64) and
        // the three-pass ones for longer rows (2 x 5000, 3 x 4097)
        for (long[] shape : new long[][] {{6, 33}, {3, 300}, {1, 1}, {20, 5}, {40, 384}, {300, 64}, {4, 4096}, {3, 4097},
                {2, 5000}}) {
            long m = shape[0], d = shape[1];
            String what = "layer norm " + Arrays.toString(shape) + (affine ? " affine" : "");
            Pair x = tensor(DType.FLOAT32, shape, i -> -2 + 3 * random.nextGaussian());
            Pair weight = affine ? normal(d) : null, bias = affine ? normal(d) : null;
            Pair out = output(shape), mean = output(m), invStd = output(m);
            run(s -> s.backend().layerNorm(s.v(x), s.v(weight), s.v(bias), s.v(out), s.v(mean), s.v(invStd), 1e-5));
            assertClose(what + " out", out);
            assertClose(what + " mean", mean);
            assertClose(what + " invStd", invStd);
            Pair dy = normal(shape), dx = output(shape), dw = output(d), db = output(d);
            run(s -> s.backend().layerNormBackward(s.v(dy), s.v(x), s.v(weight), s.v(mean), s.v(invStd), s.v(dx), s.v(dw),
                    s.v(db)));
            assertClose(what + " dx", dx);
            assertClose(what + " dweight", dw);
            assertClose(what + " dbias", db);
            Pair dxOnly = output(shape), dbOnly = output(d);
            run(s -> s.backend().layerNormBackward(s.v(dy), s.v(x), s.v(weight), s.v(mean), s.v(invStd), s.v(dxOnly),
                    null, null));
            assertClose(what + " dx only", dxOnly);
            run(s -> s.backend().layerNormBackward(s.v(dy), s.v(x), s.v(weight), s.v(mean), s.v(invStd), null, null,
                    s.v(dbOnly)));
            assertClose(what + " dbias only", dbOnly);
        }
    }

    // ---- softmax --------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void softmaxAndBackward(boolean log) {
        for (long[] shape : new long[][] {{4, 10, 1}, {3, 7, 5}, {2, 5, 70}, {3, 300, 1}, {1, 1, 1}, {2, 1, 3}}) {
            String what = (log ? "log_softmax " : "softmax ") + Arrays.toString(shape);
            // scores with masked (-inf) entries, never a whole row of them
            Pair x = tensor(DType.FLOAT32, shape,
                    i -> i % 7 == 3 && shape[1] > 1 ? Double.NEGATIVE_INFINITY : 4 * random.nextGaussian());
            Pair y = output(shape);
            run(s -> s.backend().softmax(s.v(x), s.v(y), log));
            assertClose(what, y);
            Pair dy = normal(shape), dx = output(shape);
            run(s -> s.backend().softmaxBackward(s.v(y), s.v(dy), s.v(dx), log));
            assertClose(what + " backward", dx);
        }
        for (long[] shape : new long[][] {{2, 4, 1}, {1, 4, 2}}) {
            Pair withNaN = tensor(DType.FLOAT32, shape, i -> i == 2 ? Double.NaN : i), y = output(shape);
            run(s -> s.backend().softmax(s.v(withNaN), s.v(y), log));
            assertClose("NaN row " + Arrays.toString(shape), y);
        }
    }

    @Test void softmaxInPlaceAndOnATransposedInput() {
        Pair x = normal(3, 6, 1), same = x;
        run(s -> s.backend().softmax(s.v(x), s.v(same), false));
        assertClose("softmax in place", x);
        // x [4, 5, 1] seen through a transposed [5, 4] storage
        Pair t = strided(DType.FLOAT32, new long[] {4, 5, 1}, new long[] {1, 4, 1}, 0, 20, i -> random.nextGaussian());
        Pair y = output(4, 5, 1);
        run(s -> s.backend().softmax(s.v(t), s.v(y), true));
        assertClose("log_softmax of a transposed view", y);
    }

    // ---- pooling --------------------------------------------------------------------------------------------

    static Stream<Pool2dGeometry> pools() {
        return Stream.of(
                //                 n  c  h  w kh kw sh sw ph pw oh ow countIncludePad
                new Pool2dGeometry(2, 3, 9, 9, 3, 3, 2, 2, 1, 1, 5, 5, true),      // ResNet stem pool
                new Pool2dGeometry(2, 2, 8, 8, 3, 3, 2, 2, 0, 0, 4, 4, true),      // ceil mode: last window clipped
                new Pool2dGeometry(1, 2, 7, 6, 2, 3, 2, 1, 1, 1, 4, 6, false),     // ceil mode with padding
                new Pool2dGeometry(3, 4, 6, 6, 2, 2, 2, 2, 0, 0, 3, 3, true),
                new Pool2dGeometry(1, 2, 7, 7, 2, 3, 2, 2, 0, 1, 4, 4, true),      // conformance's ceil case
                new Pool2dGeometry(2, 2, 5, 7, 3, 3, 1, 1, 1, 1, 5, 7, false));    // stride 1, overlapping windows
    }

    @ParameterizedTest
    @MethodSource("pools")
    void maxPoolAndBackward(Pool2dGeometry g) {
        // a NaN and ties (small integers) inside the windows
        Pair x = tensor(DType.FLOAT32, g.inputShape(), i -> i == 10 ? Double.NaN : random.nextInt(4));
        Pair out = output(g.outputShape()), idx = output(DType.INT64, g.outputShape());
        run(s -> s.backend().maxPool2d(s.v(x), s.v(out), s.v(idx), g));
        assertClose("maxPool2d " + g, out);
        assertExact("maxPool2d indices " + g, idx);
        Pair dy = normal(g.outputShape()), dx = output(g.inputShape());
        run(s -> s.backend().maxPool2dBackward(s.v(dy), s.v(idx), s.v(dx), g));
        assertClose("maxPool2dBackward " + g, dx);
    }

    @Test void maxPoolBackwardRejectsIndicesOutsideThePlane() {
        var g = new Pool2dGeometry(1, 2, 4, 4, 2, 2, 2, 2, 0, 0, 2, 2, true);
        Pair dy = normal(1, 2, 2, 2), dx = output(1, 2, 4, 4);
        Pair idx = tensor(DType.INT64, new long[] {1, 2, 2, 2}, i -> i == 5 ? 16 : i);
        CudaBackend cuda = (CudaBackend) Backends.implementation(emu);
        emu.maxPool2dBackward(dy.emu(), idx.emu(), dx.emu(), g);   // queued: reported at the next synchronisation
        var e = assertThrows(IndexOutOfBoundsException.class, cuda::synchronize);
        assertEquals("maxPool2dBackward: index 16 is out of range for a plane of 16 elements (found on the device,"
                + " reported at the next synchronisation)", e.getMessage());
        cuda.synchronize();   // the record was cleared
        Pair negative = tensor(DType.INT64, new long[] {1, 2, 2, 2}, i -> i == 2 ? -1 : i);
        emu.maxPool2dBackward(dy.emu(), negative.emu(), dx.emu(), g);
        var n = assertThrows(IndexOutOfBoundsException.class, cuda::synchronize);
        assertTrue(n.getMessage().startsWith("maxPool2dBackward: index -1 is out of range"), n.getMessage());
    }

    @ParameterizedTest
    @MethodSource("pools")
    void avgPoolAndBackward(Pool2dGeometry g) {
        for (boolean includePad : new boolean[] {true, false}) {
            var geom = new Pool2dGeometry(g.n(), g.c(), g.h(), g.w(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padH(),
                    g.padW(), g.outH(), g.outW(), includePad);
            Pair x = normal(g.inputShape()), out = output(g.outputShape());
            run(s -> s.backend().avgPool2d(s.v(x), s.v(out), geom));
            assertClose("avgPool2d " + geom, out);
            Pair dy = normal(g.outputShape()), dx = output(g.inputShape());
            run(s -> s.backend().avgPool2dBackward(s.v(dy), s.v(dx), geom));
            assertClose("avgPool2dBackward " + geom, dx);
        }
    }

    @Test void poolingOnStridedViews() {
        var g = new Pool2dGeometry(2, 2, 6, 5, 3, 3, 2, 2, 1, 1, 3, 3, true);
        Pair x = padded(g.inputShape(), i -> random.nextGaussian());
        Pair out = padded(g.outputShape(), i -> Double.NaN);
        Pair idx = strided(DType.INT64, g.outputShape(), new long[] {20, 10, 3, 1}, 1, 41, i -> -7);
        run(s -> s.backend().maxPool2d(s.v(x), s.v(out), s.v(idx), g));
        assertStorageClose("maxPool2d strided", out);
        assertExact("maxPool2d strided indices", idx);
        Pair dy = padded(g.outputShape(), i -> random.nextGaussian()), dx = padded(g.inputShape(), i -> Double.NaN);
        run(s -> s.backend().maxPool2dBackward(s.v(dy), s.v(idx), s.v(dx), g));
        assertStorageClose("maxPool2dBackward strided", dx);
        run(s -> s.backend().avgPool2d(s.v(x), s.v(out), g));
        assertStorageClose("avgPool2d strided", out);
    }

    @Test void adaptiveAvgPoolAndBackward() {
        long[][] cases = {{7, 7, 3, 3}, {5, 9, 2, 4}, {4, 4, 1, 1}, {3, 3, 5, 5}, {7, 5, 3, 2}, {6, 6, 6, 6}};
        for (long[] c : cases) {
            String what = Arrays.toString(c);
            Pair x = normal(2, 3, c[0], c[1]), out = output(2, 3, c[2], c[3]);
            run(s -> s.backend().adaptiveAvgPool2d(s.v(x), s.v(out)));
            assertClose("adaptiveAvgPool2d " + what, out);
            Pair dy = normal(2, 3, c[2], c[3]), dx = output(2, 3, c[0], c[1]);
            run(s -> s.backend().adaptiveAvgPool2dBackward(s.v(dy), s.v(dx)));
            assertClose("adaptiveAvgPool2dBackward " + what, dx);
        }
    }

    // ---- errors ---------------------------------------------------------------------------------------------

    @Test void nnKernelsRejectFloat64() {
        Pair x = output(DType.FLOAT64, 2, 3, 4), out = output(DType.FLOAT64, 2, 3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> emu.softmax(x.emu(), out.emu(), false));
        assertEquals("softmax: float64 is supported only on the ref backend", e.getMessage());
    }
}
