// Parity of the cpu backend's neural-network and optimizer kernels with the ref backend: conv2d and its two
// gradients (strides, paddings, dilations, 1x1, bias or not, batches run per sample or in turn), batch norm
// (train/eval/backward, with and without affine and running statistics), layer norm, softmax and
// log-softmax, max/avg/adaptive pooling (padding, ceil-mode output sizes), and SGD/Adam variants.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.BothBackends.assertClose;
import static ai.lethe.backend.cpu.BothBackends.assertExact;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.cpu.BothBackends.Pair;
import ai.lethe.core.DType;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CpuNnParityTest {
    private BothBackends both;

    @BeforeEach void setUp() {
        BothBackends.assumeCpuAvailable();
        both = new BothBackends(1234);
    }

    @AfterEach void tearDown() {
        if (both != null) both.close();
    }

    // ---- convolution ----------------------------------------------------------------------------------------

    static Stream<Arguments> convolutions() {
        return Stream.of(
                //                            n  c  h   w  k kh kw sh sw ph pw dh dw        bias
                Arguments.of(new Conv2dGeometry(2, 3, 9, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1), true),
                Arguments.of(new Conv2dGeometry(3, 2, 10, 11, 5, 3, 2, 2, 1, 1, 0, 1, 1), false),
                Arguments.of(new Conv2dGeometry(2, 3, 12, 12, 4, 3, 3, 1, 2, 2, 2, 2, 1), true),
                Arguments.of(new Conv2dGeometry(4, 6, 7, 7, 5, 1, 1, 1, 1, 0, 0, 1, 1), true),
                Arguments.of(new Conv2dGeometry(2, 6, 7, 7, 5, 1, 1, 2, 2, 0, 0, 1, 1), false),
                Arguments.of(new Conv2dGeometry(1, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1), true),
                Arguments.of(new Conv2dGeometry(1, 5, 6, 6, 3, 1, 1, 1, 1, 0, 0, 1, 1), false),
                Arguments.of(new Conv2dGeometry(3, 4, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 1), false),
                Arguments.of(new Conv2dGeometry(2, 3, 4, 4, 3, 3, 3, 1, 1, 0, 0, 1, 1), true),
                Arguments.of(new Conv2dGeometry(2, 2, 9, 9, 3, 3, 3, 3, 3, 1, 1, 1, 1), true),
                Arguments.of(new Conv2dGeometry(8, 16, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1), false),
                Arguments.of(new Conv2dGeometry(4, 8, 14, 14, 16, 3, 3, 2, 2, 1, 1, 1, 1), false),
                Arguments.of(new Conv2dGeometry(2, 3, 17, 18, 4, 3, 3, 1, 1, 1, 1, 1, 1), true),   // wide rows: flat im2col
                Arguments.of(new Conv2dGeometry(2, 2, 16, 20, 3, 3, 3, 1, 1, 2, 2, 2, 2), false),  // flat, dilated
                Arguments.of(new Conv2dGeometry(1, 2, 18, 18, 3, 3, 3, 1, 1, 0, 0, 1, 1), true),   // wide, unpadded
                Arguments.of(new Conv2dGeometry(1, 3, 9, 9, 4, 3, 3, 2, 2, 1, 1, 1, 1), true),     // one sample, strided: col2im
                Arguments.of(new Conv2dGeometry(2, 3, 5, 5, 2, 1, 1, 1, 1, 1, 1, 1, 1), false),    // 1x1 with padding: col2im
                Arguments.of(new Conv2dGeometry(13, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1), true),    // chunks of 11 + 2 samples
                Arguments.of(new Conv2dGeometry(13, 3, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1), true),    // Winograd's smallest plane, odd
                Arguments.of(new Conv2dGeometry(37, 5, 4, 4, 6, 1, 1, 1, 1, 0, 0, 1, 1), false),   // pointwise, 16 + 16 + 5
                Arguments.of(new Conv2dGeometry(37, 4, 9, 8, 6, 1, 1, 2, 3, 0, 0, 1, 1), true),    // strided 1x1: gather/scatter, chunks 18 + 18 + 1
                Arguments.of(new Conv2dGeometry(9, 5, 8, 8, 7, 1, 1, 2, 2, 0, 0, 1, 1), false),    // strided 1x1, even plane (ResNet's shortcut)
                Arguments.of(new Conv2dGeometry(0, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1), true));
    }

    @ParameterizedTest
    @MethodSource("convolutions")
    void conv2dAndItsGradients(Conv2dGeometry g, boolean withBias) {
        long oh = g.outH(), ow = g.outW();
        Pair x = both.normal(g.n(), g.c(), g.h(), g.w()), w = both.normal(g.k(), g.c(), g.kh(), g.kw());
        Pair bias = withBias ? both.normal(g.k()) : null;
        Pair out = both.output(g.n(), g.k(), oh, ow);
        both.run(s -> s.backend().conv2d(s.v(x), s.v(w), s.v(bias), s.v(out), g));
        assertClose("conv2d " + g, out);

        Pair dy = both.normal(g.n(), g.k(), oh, ow), dx = both.output(g.n(), g.c(), g.h(), g.w());
        both.run(s -> s.backend().conv2dBackwardInput(s.v(dy), s.v(w), s.v(dx), g));
        assertClose("conv2dBackwardInput " + g, dx);

        Pair dw = both.output(g.k(), g.c(), g.kh(), g.kw());
        both.run(s -> s.backend().conv2dBackwardWeight(s.v(dy), s.v(x), s.v(dw), g));
        assertClose("conv2dBackwardWeight " + g, dw);
    }

    // ---- batch norm -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void batchNormTrainEvalAndBackward(boolean affine) {
        for (long[] shape : new long[][] {{4, 3, 10}, {16, 8, 784}, {1, 2, 1}}) {
            for (boolean running : new boolean[] {true, false}) {
                long n = shape[0], c = shape[1], s = shape[2];
                String what = "batch norm " + java.util.Arrays.toString(shape) + (affine ? " affine" : "") + (running ? " running" : "");
                Pair x = both.tensor(DType.FLOAT32, shape, i -> 3 + 2 * both.random.nextGaussian());
                Pair weight = affine ? both.normal(c) : null, bias = affine ? both.normal(c) : null;
                Pair rm = running ? both.normal(c) : null, rv = running ? both.uniform(0.5, 2, c) : null;
                Pair out = both.output(shape), mean = both.output(c), invStd = both.output(c);
                both.run(sd -> sd.backend().batchNormTrain(sd.v(x), sd.v(weight), sd.v(bias), sd.v(rm), sd.v(rv), sd.v(out),
                        sd.v(mean), sd.v(invStd), 0.1, 1e-5));
                assertClose(what + " out", out);
                assertClose(what + " mean", mean);
                assertClose(what + " invStd", invStd);
                if (running) {
                    assertClose(what + " running mean", rm);
                    assertClose(what + " running var", rv);
                    Pair evalOut = both.output(shape);
                    both.run(sd -> sd.backend().batchNormEval(sd.v(x), sd.v(weight), sd.v(bias), sd.v(rm), sd.v(rv),
                            sd.v(evalOut), 1e-5));
                    assertClose(what + " eval", evalOut);
                }
                Pair dy = both.normal(shape), dx = both.output(shape);
                Pair dw = running ? both.output(c) : null, db = running ? both.output(c) : null;
                both.run(sd -> sd.backend().batchNormBackward(sd.v(dy), sd.v(x), sd.v(weight), sd.v(mean), sd.v(invStd),
                        sd.v(dx), sd.v(dw), sd.v(db), true));
                assertClose(what + " dx", dx);
                if (running) {
                    assertClose(what + " dweight", dw);
                    assertClose(what + " dbias", db);
                }
                // eval mode: the same statistics taken as constants
                Pair evalDx = both.output(shape), evalDw = running ? both.output(c) : null, evalDb = running ? both.output(c) : null;
                both.run(sd -> sd.backend().batchNormBackward(sd.v(dy), sd.v(x), sd.v(weight), sd.v(mean), sd.v(invStd),
                        sd.v(evalDx), sd.v(evalDw), sd.v(evalDb), false));
                assertClose(what + " eval dx", evalDx);
                if (running) {
                    assertClose(what + " eval dweight", evalDw);
                    assertClose(what + " eval dbias", evalDb);
                }
                if (n * s > 100) continue;
                Pair onlyParams = both.output(c);
                both.run(sd -> sd.backend().batchNormBackward(sd.v(dy), sd.v(x), sd.v(weight), sd.v(mean), sd.v(invStd),
                        null, sd.v(onlyParams), null, true));
                assertClose(what + " dweight without dx", onlyParams);
            }
        }
    }

    // ---- layer norm -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void layerNormAndBackward(boolean affine) {
        for (long[] shape : new long[][] {{6, 33}, {512, 257}, {1, 1}}) {
            long m = shape[0], d = shape[1];
            String what = "layer norm " + java.util.Arrays.toString(shape) + (affine ? " affine" : "");
            Pair x = both.tensor(DType.FLOAT32, shape, i -> -2 + 3 * both.random.nextGaussian());
            Pair weight = affine ? both.normal(d) : null, bias = affine ? both.normal(d) : null;
            Pair out = both.output(shape), mean = both.output(m), invStd = both.output(m);
            both.run(s -> s.backend().layerNorm(s.v(x), s.v(weight), s.v(bias), s.v(out), s.v(mean), s.v(invStd), 1e-5));
            assertClose(what + " out", out);
            assertClose(what + " mean", mean);
            assertClose(what + " invStd", invStd);
            Pair dy = both.normal(shape), dx = both.output(shape), dw = both.output(d), db = both.output(d);
            both.run(s -> s.backend().layerNormBackward(s.v(dy), s.v(x), s.v(weight), s.v(mean), s.v(invStd), s.v(dx),
                    s.v(dw), s.v(db)));
            assertClose(what + " dx", dx);
            assertClose(what + " dweight", dw);
            assertClose(what + " dbias", db);
            Pair dxOnly = both.output(shape);
            both.run(s -> s.backend().layerNormBackward(s.v(dy), s.v(x), s.v(weight), s.v(mean), s.v(invStd), s.v(dxOnly),
                    null, null));
            assertClose(what + " dx only", dxOnly);
        }
    }

    // ---- softmax --------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void softmaxAndBackward(boolean log) {
        for (long[] shape : new long[][] {{4, 10, 1}, {3, 7, 5}, {2, 5, 300}, {600, 197, 1}, {1, 1, 1}}) {
            String what = (log ? "log_softmax " : "softmax ") + java.util.Arrays.toString(shape);
            // scores with masked (-inf) entries, never a whole row of them
            Pair x = both.tensor(DType.FLOAT32, shape, i -> i % 7 == 3 && shape[1] > 1 ? Double.NEGATIVE_INFINITY : 4 * both.random.nextGaussian());
            Pair y = both.output(shape);
            both.run(s -> s.backend().softmax(s.v(x), s.v(y), log));
            assertClose(what, y);
            Pair dy = both.normal(shape), dx = both.output(shape);
            both.run(s -> s.backend().softmaxBackward(s.v(y), s.v(dy), s.v(dx), log));
            assertClose(what + " backward", dx);
        }
        Pair withNaN = both.tensor(DType.FLOAT32, new long[] {2, 4, 1}, i -> i == 1 ? Double.NaN : i), y = both.output(2, 4, 1);
        both.run(s -> s.backend().softmax(s.v(withNaN), s.v(y), log));
        assertClose("NaN row", y);
    }

    // ---- pooling --------------------------------------------------------------------------------------------

    static Stream<Pool2dGeometry> pools() {
        return Stream.of(
                //                 n  c  h  w kh kw sh sw ph pw oh ow countIncludePad
                new Pool2dGeometry(2, 3, 9, 9, 3, 3, 2, 2, 1, 1, 5, 5, true),      // ResNet stem pool
                new Pool2dGeometry(2, 2, 8, 8, 3, 3, 2, 2, 0, 0, 4, 4, true),      // ceil mode: last window clipped
                new Pool2dGeometry(1, 2, 7, 6, 2, 3, 2, 1, 1, 1, 4, 6, false),     // ceil mode with padding
                new Pool2dGeometry(3, 4, 6, 6, 2, 2, 2, 2, 0, 0, 3, 3, true),
                new Pool2dGeometry(16, 16, 28, 28, 3, 3, 1, 1, 1, 1, 28, 28, false));
    }

    @ParameterizedTest
    @MethodSource("pools")
    void maxPoolAndBackward(Pool2dGeometry g) {
        Pair x = both.tensor(DType.FLOAT32, new long[] {g.n(), g.c(), g.h(), g.w()}, i -> i == 10 ? Double.NaN : both.random.nextGaussian());
        Pair out = both.output(g.n(), g.c(), g.outH(), g.outW()), idx = both.output(DType.INT64, g.n(), g.c(), g.outH(), g.outW());
        both.run(s -> s.backend().maxPool2d(s.v(x), s.v(out), s.v(idx), g));
        assertClose("maxPool2d " + g, out);
        assertExact("maxPool2d indices " + g, idx);
        Pair dy = both.normal(g.n(), g.c(), g.outH(), g.outW()), dx = both.output(g.n(), g.c(), g.h(), g.w());
        both.run(s -> s.backend().maxPool2dBackward(s.v(dy), s.v(idx), s.v(dx), g));
        assertClose("maxPool2dBackward " + g, dx);
    }

    @Test void maxPoolBackwardRejectsIndicesOutsideThePlane() {
        var g = new Pool2dGeometry(1, 2, 4, 4, 2, 2, 2, 2, 0, 0, 2, 2, true);
        Pair dy = both.normal(1, 2, 2, 2), dx = both.output(1, 2, 4, 4);
        Pair idx = both.tensor(DType.INT64, new long[] {1, 2, 2, 2}, i -> i == 5 ? 16 : i);
        assertThrows(IndexOutOfBoundsException.class, () -> both.cpu.maxPool2dBackward(dy.cpu(), idx.cpu(), dx.cpu(), g));
    }

    @ParameterizedTest
    @MethodSource("pools")
    void avgPoolAndBackward(Pool2dGeometry g) {
        for (boolean includePad : new boolean[] {true, false}) {
            var geom = new Pool2dGeometry(g.n(), g.c(), g.h(), g.w(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padH(),
                    g.padW(), g.outH(), g.outW(), includePad);
            Pair x = both.normal(g.n(), g.c(), g.h(), g.w()), out = both.output(g.n(), g.c(), g.outH(), g.outW());
            both.run(s -> s.backend().avgPool2d(s.v(x), s.v(out), geom));
            assertClose("avgPool2d " + geom, out);
            Pair dy = both.normal(g.n(), g.c(), g.outH(), g.outW()), dx = both.output(g.n(), g.c(), g.h(), g.w());
            both.run(s -> s.backend().avgPool2dBackward(s.v(dy), s.v(dx), geom));
            assertClose("avgPool2dBackward " + geom, dx);
        }
    }

    @Test void adaptiveAvgPoolAndBackward() {
        long[][] cases = {{7, 7, 3, 3}, {5, 9, 2, 4}, {4, 4, 1, 1}, {3, 3, 5, 5}, {28, 28, 1, 1}};
        for (long[] c : cases) {
            long n = c[0] == 28 ? 128 : 2, ch = c[0] == 28 ? 16 : 3;
            Pair x = both.normal(n, ch, c[0], c[1]), out = both.output(n, ch, c[2], c[3]);
            both.run(s -> s.backend().adaptiveAvgPool2d(s.v(x), s.v(out)));
            assertClose("adaptiveAvgPool2d " + java.util.Arrays.toString(c), out);
            Pair dy = both.normal(n, ch, c[2], c[3]), dx = both.output(n, ch, c[0], c[1]);
            both.run(s -> s.backend().adaptiveAvgPool2dBackward(s.v(dy), s.v(dx)));
            assertClose("adaptiveAvgPool2dBackward " + java.util.Arrays.toString(c), dx);
        }
    }

    // ---- optimizers -----------------------------------------------------------------------------------------

    static Stream<SgdParams> sgdVariants() {
        return Stream.of(
                new SgdParams(0.1, 0, 0, 0, false, false, false),
                new SgdParams(0.1, 0, 0, 5e-4, false, true, false),
                new SgdParams(0.05, 0.9, 0, 0, false, false, true),
                new SgdParams(0.05, 0.9, 0, 1e-4, false, false, false),
                new SgdParams(0.05, 0.9, 0.1, 1e-4, true, false, false),
                new SgdParams(0.05, 0.9, 0, 0, true, true, true));
    }

    @ParameterizedTest
    @MethodSource("sgdVariants")
    void sgdStep(SgdParams p) {
        for (long n : new long[] {1, 37, 100_003}) {
            Pair param = both.normal(n), grad = both.normal(n), buf = p.momentum() == 0 ? null : both.normal(n);
            both.run(s -> s.backend().sgdStep(s.v(param), s.v(grad), s.v(buf), null, p));
            assertClose("sgd param " + p, param);
            if (buf != null) assertClose("sgd momentum " + p, buf);
        }
    }

    static Stream<AdamParams> adamVariants() {
        return Stream.of(
                new AdamParams(1e-3, 0.9, 0.999, 1e-8, 0, false, false, 1),
                new AdamParams(1e-3, 0.9, 0.999, 1e-8, 1e-2, false, false, 10),
                new AdamParams(1e-3, 0.9, 0.999, 1e-8, 1e-2, true, false, 3),
                new AdamParams(3e-4, 0.8, 0.99, 1e-6, 0.05, true, true, 1000));
    }

    @ParameterizedTest
    @MethodSource("adamVariants")
    void adamStep(AdamParams p) {
        for (long n : new long[] {1, 37, 100_003}) {
            Pair param = both.normal(n), grad = both.normal(n), m = both.normal(n), v = both.uniform(0, 2, n);
            both.run(s -> s.backend().adamStep(s.v(param), s.v(grad), s.v(m), s.v(v), null, p));
            assertClose("adam param " + p, param);
            assertClose("adam exp_avg " + p, m);
            assertClose("adam exp_avg_sq " + p, v);
        }
    }

    /** Runs {@code op} (writing {@code out} on the cpu backend) repeatedly and requires the same bits every time. */
    private static void assertRepeatable(String what, Pair out, Runnable op) {
        op.run();
        double[] first = BothBackends.values(out.cpu());
        for (int run = 0; run < 5; run++) {
            op.run();
            org.junit.jupiter.api.Assertions.assertArrayEquals(first, BothBackends.values(out.cpu()), what + " run " + run);
        }
    }

    @Test void parallelSumsGiveTheSameBitsEveryRun() {
        for (int size : new int[] {10, 15}) {   // im2col and Winograd weight gradients
            var g = new Conv2dGeometry(64, 8, size, size, 12, 3, 3, 1, 1, 1, 1, 1, 1);
            Pair x = both.normal(g.n(), g.c(), g.h(), g.w()), dy = both.normal(g.n(), g.k(), g.outH(), g.outW());
            Pair dw = both.output(g.k(), g.c(), g.kh(), g.kw());
            assertRepeatable("conv2dBackwardWeight " + size, dw, () -> both.cpu.conv2dBackwardWeight(dy.cpu(), x.cpu(), dw.cpu(), g));
        }

        Pair row = both.normal(1, 500_000), sum = both.output(1, 1);
        for (var op : ai.lethe.backend.ReduceOp.values())
            assertRepeatable("reduce " + op, sum, () -> both.cpu.reduce(op, row.cpu(), sum.cpu(), 1));

        Pair lx = both.normal(4000, 64), ldy = both.normal(4000, 64), lw = both.normal(64);
        Pair mean = both.output(4000), inv = both.output(4000), lout = both.output(4000, 64), ldw = both.output(64);
        both.cpu.layerNorm(lx.cpu(), lw.cpu(), null, lout.cpu(), mean.cpu(), inv.cpu(), 1e-5);
        assertRepeatable("layerNormBackward dweight", ldw, () -> both.cpu.layerNormBackward(ldy.cpu(), lx.cpu(), lw.cpu(),
                mean.cpu(), inv.cpu(), null, ldw.cpu(), null));
    }

    @Test void nnKernelsRejectFloat64() {
        Pair x = both.output(DType.FLOAT64, 2, 3, 4), out = both.output(DType.FLOAT64, 2, 3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> both.cpu.softmax(x.cpu(), out.cpu(), false));
        org.junit.jupiter.api.Assertions.assertEquals("softmax: float64 is supported only on the ref backend", e.getMessage());
    }
}
