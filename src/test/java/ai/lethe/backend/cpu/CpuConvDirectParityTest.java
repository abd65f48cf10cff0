// Parity of the direct convolution kernels (native/conv_direct.c: flat and channels-in-lanes families, chosen by
// plane size and output channels, so the shapes below cover both) with the ref backend: forward, input gradient
// and weight gradient, on every instruction-set path this CPU runs (generic C always; AVX2 + FMA and AVX-512F
// where the CPU has them, forced through ConvKernel), over 3x3 stride 1 and 2 shapes with odd sizes, channel
// counts that are not multiples of any vector width or register tile, batch 1, bias or not, plus other kernel
// sizes, strides, paddings and dilations the flat-plane kernels also compute; and AUTO on the ResNet18 width-16
// layers (direct there) against GEMM (never direct). Tolerances grow with the reduction length L of each
// output (forward C·kh·kw, input gradient K·kh·kw, weight gradient N·OH·OW): a float32 sum of L products has a
// norm-wise relative error of about 2^-24·√L; the bound is 8 times that, and never below 2e-6.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.BothBackends.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.cpu.BothBackends.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CpuConvDirectParityTest {
    private BothBackends both;
    /** The kernel in force before the test (LETHE_CONV_KERNEL may have set one), restored after it. */
    private ConvKernel before;

    @BeforeEach void setUp() {
        BothBackends.assumeCpuAvailable();
        both = new BothBackends(4321);
        before = both.cpu.convKernel().getFirst();
    }

    @AfterEach void tearDown() {
        if (both != null) {
            both.cpu.forceConvKernel(before);
            both.close();
        }
    }

    static double tolerance(long reductionLength) {
        return Math.max(2e-6, 8 * Math.ulp(1.0f) / 2 * Math.sqrt(reductionLength));
    }

    /** The direct-kernel instruction sets this CPU runs: GENERIC always, AVX2 and AVX512 when present. */
    private List<ConvKernel> pathsHere() {
        CpuFeatures f = both.cpu.cpuFeatures().orElseThrow();
        List<ConvKernel> paths = new ArrayList<>(List.of(ConvKernel.GENERIC));
        if (ConvKernel.AVX2.runsOn(f)) paths.add(ConvKernel.AVX2);
        if (ConvKernel.AVX512.runsOn(f)) paths.add(ConvKernel.AVX512);
        return paths;
    }

    static Stream<Arguments> shapes() {
        // Conv2dGeometry(N, C, H, W, K, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW), bias
        return Stream.of(
                Arguments.of(new Conv2dGeometry(3, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1), false),   // ResNet stage 1
                Arguments.of(new Conv2dGeometry(2, 16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1), false),   // stage 2 down
                Arguments.of(new Conv2dGeometry(2, 32, 14, 14, 64, 3, 3, 2, 2, 1, 1, 1, 1), false),   // stage 3 down
                Arguments.of(new Conv2dGeometry(2, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1), true),     // stem, C = 1
                Arguments.of(new Conv2dGeometry(1, 5, 13, 11, 7, 3, 3, 1, 1, 1, 1, 1, 1), true),      // batch 1, odd
                Arguments.of(new Conv2dGeometry(1, 3, 9, 9, 5, 3, 3, 2, 2, 1, 1, 1, 1), true),        // batch 1, stride 2
                Arguments.of(new Conv2dGeometry(3, 17, 15, 14, 19, 3, 3, 2, 2, 1, 1, 1, 1), false),   // odd plane, stride 2
                Arguments.of(new Conv2dGeometry(2, 5, 23, 23, 7, 3, 3, 2, 2, 1, 1, 1, 1), true),      // flat, stride 2
                Arguments.of(new Conv2dGeometry(2, 9, 7, 7, 33, 3, 3, 1, 1, 1, 1, 1, 1), true),       // K = 33: a tile + 1
                Arguments.of(new Conv2dGeometry(2, 33, 8, 10, 3, 3, 3, 2, 2, 1, 1, 1, 1), false),     // K < every tile
                Arguments.of(new Conv2dGeometry(2, 4, 4, 4, 6, 3, 3, 1, 1, 1, 1, 1, 1), true),        // 4x4 plane
                Arguments.of(new Conv2dGeometry(2, 3, 5, 6, 2, 3, 3, 2, 2, 1, 1, 1, 1), false),       // 3x3 output
                Arguments.of(new Conv2dGeometry(2, 3, 12, 12, 4, 3, 3, 1, 1, 0, 0, 1, 1), true),      // unpadded
                Arguments.of(new Conv2dGeometry(2, 3, 11, 12, 4, 3, 3, 1, 2, 1, 2, 1, 1), true),      // mixed stride, pad
                Arguments.of(new Conv2dGeometry(2, 2, 16, 20, 3, 3, 3, 1, 1, 2, 2, 2, 2), false),     // dilated
                Arguments.of(new Conv2dGeometry(2, 3, 10, 11, 5, 3, 2, 2, 1, 1, 0, 1, 1), true),      // 3x2 kernel
                Arguments.of(new Conv2dGeometry(3, 4, 9, 9, 2, 5, 5, 1, 1, 2, 2, 1, 1), false),       // 5x5
                Arguments.of(new Conv2dGeometry(2, 6, 7, 7, 5, 1, 1, 2, 2, 0, 0, 1, 1), false),       // 1x1 stride 2
                Arguments.of(new Conv2dGeometry(2, 2, 9, 9, 3, 3, 3, 3, 3, 1, 1, 1, 1), true),        // stride 3
                Arguments.of(new Conv2dGeometry(4, 128, 7, 7, 128, 3, 3, 1, 1, 1, 1, 1, 1), false));  // 128 channels
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void everyPathMatchesRef(Conv2dGeometry g, boolean withBias) {
        long oh = g.outH(), ow = g.outW(), taps = g.kh() * g.kw();
        Pair x = both.normal(g.n(), g.c(), g.h(), g.w()), w = both.normal(g.k(), g.c(), g.kh(), g.kw());
        Pair bias = withBias ? both.normal(g.k()) : null;
        Pair dy = both.normal(g.n(), g.k(), oh, ow);
        for (ConvKernel path : pathsHere()) {
            both.cpu.forceConvKernel(path);
            assertEquals(List.of(path, path), both.cpu.convKernel(), "forced kernel in force");
            String what = path + " " + g;
            Pair out = both.output(g.n(), g.k(), oh, ow);
            both.run(s -> s.backend().conv2d(s.v(x), s.v(w), s.v(bias), s.v(out), g));
            assertClose("conv2d " + what, out, tolerance(g.c() * taps));

            Pair dx = both.output(g.n(), g.c(), g.h(), g.w());
            both.run(s -> s.backend().conv2dBackwardInput(s.v(dy), s.v(w), s.v(dx), g));
            assertClose("conv2dBackwardInput " + what, dx, tolerance(g.k() * taps));

            Pair dw = both.output(g.k(), g.c(), g.kh(), g.kw());
            both.run(s -> s.backend().conv2dBackwardWeight(s.v(dy), s.v(x), s.v(dw), g));
            assertClose("conv2dBackwardWeight " + what, dw, tolerance(g.n() * oh * ow));
        }
    }

    /**
     * AUTO runs the direct kernels on these ResNet18 width-16/64 layers (batch >= threads; the flat or the lanes
     * kernel by plane size, GEMM for some gradients); GEMM never does: both match ref.
     */
    @Test
    void autoAndGemmMatchRefOnResNetLayers() {
        for (ConvKernel path : List.of(ConvKernel.AUTO, ConvKernel.GEMM)) {
            both.cpu.forceConvKernel(path);
            assertEquals(path, both.cpu.convKernel().getFirst());
            for (Conv2dGeometry g : List.of(new Conv2dGeometry(8, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1),
                    new Conv2dGeometry(8, 16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1),
                    new Conv2dGeometry(8, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1),
                    new Conv2dGeometry(8, 32, 14, 14, 64, 3, 3, 2, 2, 1, 1, 1, 1),      // lanes forward, 7x7 out
                    new Conv2dGeometry(5, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1),        // lanes, flipped dx
                    new Conv2dGeometry(3, 64, 7, 7, 128, 3, 3, 2, 2, 1, 1, 1, 1),       // 4x4 out: GEMM dw
                    new Conv2dGeometry(3, 128, 4, 4, 128, 3, 3, 1, 1, 1, 1, 1, 1))) {
                long oh = g.outH(), ow = g.outW();
                Pair x = both.normal(g.n(), g.c(), g.h(), g.w()), w = both.normal(g.k(), g.c(), 3, 3);
                Pair dy = both.normal(g.n(), g.k(), oh, ow);
                Pair out = both.output(g.n(), g.k(), oh, ow), dx = both.output(g.n(), g.c(), g.h(), g.w());
                Pair dw = both.output(g.k(), g.c(), 3, 3);
                both.run(s -> s.backend().conv2d(s.v(x), s.v(w), null, s.v(out), g));
                both.run(s -> s.backend().conv2dBackwardInput(s.v(dy), s.v(w), s.v(dx), g));
                both.run(s -> s.backend().conv2dBackwardWeight(s.v(dy), s.v(x), s.v(dw), g));
                assertClose("conv2d " + path + " " + g, out, tolerance(g.c() * 9));
                assertClose("conv2dBackwardInput " + path + " " + g, dx, tolerance(g.k() * 9));
                assertClose("conv2dBackwardWeight " + path + " " + g, dw, tolerance(g.n() * oh * ow));
            }
        }
    }

    /** The instruction set AUTO runs with is the widest the CPU's feature flags allow. */
    @Test
    void autoChoosesTheWidestInstructionSet() {
        both.cpu.forceConvKernel(ConvKernel.AUTO);
        CpuFeatures f = both.cpu.cpuFeatures().orElseThrow();
        ConvKernel widest = f.avx512f() ? ConvKernel.AVX512 : f.avx2Fma() ? ConvKernel.AVX2 : ConvKernel.GENERIC;
        assertEquals(List.of(ConvKernel.AUTO, widest), both.cpu.convKernel());
        assertTrue(pathsHere().contains(widest));
    }

    @Test
    void unknownKernelNamesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvKernel.parse("avx1024", "LETHE_CONV_KERNEL=avx1024"));
        assertTrue(e.getMessage().contains("LETHE_CONV_KERNEL=avx1024") && e.getMessage().contains("avx512"), e.getMessage());
        assertEquals(ConvKernel.AVX2, ConvKernel.parse(" AVX2 ", "x"));
    }
}
