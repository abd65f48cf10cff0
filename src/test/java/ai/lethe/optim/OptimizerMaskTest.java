// Masks (pruning): masked entries stay exactly zero through momentum, weight decay and Adam's moments, and the
// other entries get exactly the updates of an unmasked optimizer fed masked gradients. On every backend.
package ai.lethe.optim;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OptimizerMaskTest {
    static List<Device> devices() { return TestBackends.devices(); }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void maskedEntriesStayZeroAndTheRestMatchAMaskedGradientRun(Device device) {
        List<Function<List<Tensor>, Optimizer<?>>> makers = List.of(
                ps -> SGD.builder(ps).lr(0.1).momentum(0.9).weightDecay(5e-4).nesterov(true).build(),
                ps -> Adam.builder(ps).lr(0.01).weightDecay(0.1).build(),
                ps -> AdamW.builder(ps).lr(0.01).build());
        for (var make : makers) {
            try (var _ = Scope.open()) {
                Generator gen = new Generator(5);
                Tensor init = Tensor.randn(Shape.of(4, 3), gen, device);
                Tensor mask = Tensor.fromArray(new float[] {1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1}, device, 4, 3);
                Tensor masked = init.contiguousCopy().setRequiresGrad(true);
                Tensor reference = init.mul(mask).contiguousCopy().setRequiresGrad(true);
                Optimizer<?> a = make.apply(List.of(masked)), b = make.apply(List.of(reference));
                a.setMask(masked, mask);
                assertSame(mask, a.mask(masked));
                for (int s = 0; s < 5; s++) {
                    Tensor g = Tensor.randn(Shape.of(4, 3), gen, device);
                    masked.setGrad(g);
                    reference.setGrad(g.mul(mask));
                    a.step();
                    b.step();
                    assertArrayEquals(reference.toFloatArray(), masked.toFloatArray(), 0f, a + " step " + s); // +0 and -0 both count as 0
                    float[] w = masked.toFloatArray(), m = mask.toFloatArray();
                    for (int i = 0; i < w.length; i++) if (m[i] == 0) assertEquals(0f, w[i], 0f, a + " pruned entry " + i);
                    for (Tensor buf : a.stateOf(masked).buffers().values()) {
                        float[] v = buf.toFloatArray();
                        for (int i = 0; i < v.length; i++) if (m[i] == 0) assertEquals(0f, v[i], 0f, a + " state of pruned entry " + i);
                    }
                }
                a.setMask(masked, null);
                assertNull(a.mask(masked));
                a.close();
                b.close();
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void maskMustMatchTheParameter(Device device) {
        try (var _ = Scope.open()) {
            Tensor w = Tensor.ones(Shape.of(2, 2), device).setRequiresGrad(true);
            try (SGD opt = SGD.builder(List.of(w)).lr(0.1).build()) {
                var e = assertThrows(IllegalArgumentException.class, () -> opt.setMask(w, Tensor.ones(Shape.of(4), device)));
                assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[2, 2]"), e.getMessage());
                var f = assertThrows(IllegalArgumentException.class,
                        () -> opt.setMask(Tensor.ones(Shape.of(2, 2), device), Tensor.ones(Shape.of(2, 2), device)));
                assertTrue(f.getMessage().contains("not a parameter"), f.getMessage());
            }
        }
    }
}
