// How optimizers behave in a training loop, on every available backend: zeroGrad, skipping parameters
// without gradients, version bumps, non-contiguous gradients, learning-rate access, state lifetimes, closing,
// and an end-to-end fit with autograd.
package ai.lethe.optim;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backend;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OptimizerBehaviourTest {
    static List<Device> devices() { return TestBackends.devices(); }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void zeroGradDropsGradientsAndStepSkipsThem(Device device) {
        try (var _ = Scope.open()) {
            Tensor w = Tensor.ones(Shape.of(3), device).setRequiresGrad(true);
            Tensor b = Tensor.ones(Shape.of(1), device).setRequiresGrad(true);
            try (SGD opt = SGD.builder(List.of(w, b)).lr(0.5).momentum(0.9).build()) {
                w.setGrad(Tensor.full(Shape.of(3), 2.0, device));
                opt.zeroGrad();
                assertNull(w.grad());
                assertNull(b.grad());
                int version = w.version();
                opt.step();
                assertArrayEquals(new float[] {1, 1, 1}, w.toFloatArray());
                assertNull(opt.stateOf(w), "no state without a gradient");
                assertEquals(version, w.version(), "a skipped parameter is not marked modified");
                w.setGrad(Tensor.full(Shape.of(3), 2.0, device));
                opt.step();
                assertArrayEquals(new float[] {0, 0, 0}, w.toFloatArray());
                assertArrayEquals(new float[] {1}, b.toFloatArray());
                assertTrue(w.version() > version, "the update bumps the parameter's version");
                assertNull(opt.stateOf(b));
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void nonContiguousGradientGivesTheSameUpdate(Device device) {
        try (var _ = Scope.open()) {
            float[] g = {1, 2, 3, 4, 5, 6};
            Tensor a = Tensor.zeros(Shape.of(3, 2), device).setRequiresGrad(true);
            Tensor b = Tensor.zeros(Shape.of(3, 2), device).setRequiresGrad(true);
            Tensor contiguous = Tensor.fromArray(g, device, 2, 3).t().contiguousCopy();
            Tensor strided = Tensor.fromArray(g, device, 2, 3).t();
            assertFalse(strided.isContiguous());
            a.setGrad(contiguous);
            b.setGrad(strided);
            try (Adam oa = Adam.builder(List.of(a)).lr(0.1).build(); Adam ob = Adam.builder(List.of(b)).lr(0.1).build()) {
                oa.step();
                ob.step();
            }
            assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void stateOutlivesStepScopesAndCloseFreesIt(Device device) {
        Backend backend = Tensor.zeros(Shape.of(1), device).backend();
        try (var _ = Scope.open()) {
            Tensor w = Tensor.ones(Shape.of(256), device).setRequiresGrad(true);
            long before = backend.memoryStats().liveBytes();
            AdamW opt = AdamW.builder(List.of(w)).lr(0.01).build();
            try (var _ = Scope.open()) {
                w.setGrad(Tensor.ones(w.shape(), device));
                opt.step();
                opt.zeroGrad();
            }
            Tensor m = opt.stateOf(w).buffer(AdamBase.EXP_AVG);
            assertFalse(m.isClosed(), "state survives the step's scope");
            assertEquals(2 * 256 * 4, backend.memoryStats().liveBytes() - before, "exp_avg and exp_avg_sq, nothing else");
            opt.close();
            assertTrue(m.isClosed());
            assertEquals(before, backend.memoryStats().liveBytes(), "close frees the state");
            assertFalse(w.isClosed(), "parameters belong to their owner, not to the optimizer");
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void learningRatesPerGroupAndForAll(Device device) {
        try (var _ = Scope.open()) {
            Tensor w = Tensor.zeros(Shape.of(2), device).setRequiresGrad(true);
            Tensor bias = Tensor.zeros(Shape.of(1), device).setRequiresGrad(true);
            try (SGD opt = SGD.builder(List.of(w)).group(List.of(bias), o -> o.withWeightDecay(0).withLr(0.01))
                    .lr(0.1).momentum(0.9).weightDecay(5e-4).build()) {
                assertEquals(2, opt.groups().size());
                assertEquals(0.1, opt.lr());
                assertEquals(0.01, opt.group(1).lr());
                assertEquals(5e-4, opt.group(0).options().weightDecay());
                assertEquals(0.0, opt.group(1).options().weightDecay());
                assertEquals(List.of(w, bias), opt.parameters());
                opt.setLr(0.2);
                assertEquals(0.2, opt.group(0).lr());
                assertEquals(0.2, opt.group(1).lr());
                opt.group(1).setOptions(opt.group(1).options().withMomentum(0));
                bias.setGrad(Tensor.ones(Shape.of(1), device));
                opt.step();
                assertEquals(-0.2f, bias.toFloatArray()[0], 1e-7f);
                assertTrue(opt.stateOf(bias).buffers().isEmpty(), "no momentum, no buffer");
            }
        }
    }

    /** Least squares with autograd: SGD with momentum and AdamW both fit y = X·w*. */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void fitsALinearModelWithAutograd(Device device) {
        for (int kind = 0; kind < 2; kind++) {
            try (var _ = Scope.open()) {
                Generator gen = new Generator(3);
                Tensor x = Tensor.randn(Shape.of(32, 4), gen, device);
                Tensor target = Tensor.fromArray(new float[] {1, -2, 0.5f, 3}, device, 4, 1);
                Tensor y = x.matmul(target);
                Tensor w = Tensor.zeros(Shape.of(4, 1), device).setRequiresGrad(true);
                Optimizer<?> opt = kind == 0 ? SGD.builder(List.of(w)).lr(0.05).momentum(0.9).build()
                        : AdamW.builder(List.of(w)).lr(0.05).weightDecay(0).build();
                double loss = 0;
                for (int i = 0; i < 300; i++) {
                    try (var _ = Scope.open()) {
                        Tensor l = x.matmul(w).sub(y).square().mean();
                        l.backward();
                        loss = l.item();
                        opt.step();
                        opt.zeroGrad();
                    }
                }
                assertTrue(loss < 1e-4, opt + " left loss " + loss);
                float[] got = w.toFloatArray();
                assertArrayEquals(new float[] {1, -2, 0.5f, 3}, got, 1e-2f);
                opt.close();
            }
        }
    }
}
