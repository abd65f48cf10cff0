// Masks as model state: set zeroes pruned weights, of/any/sparsity read them back, they stay out of the state
// dict, attach makes an optimizer keep pruned entries at zero through steps, reapply restores zeros after a
// direct write, bad masks are refused.
package ai.lethe.prune;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Masks;
import ai.lethe.nn.Sequential;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MasksTest {
    @Test void masksKeepPrunedWeightsAtZero() {
        try (var _ = Scope.open(); var model = new Sequential(new Linear(3, 2, true))) {
            Tensor w = model.parameter("0.weight");
            Device d = w.device();
            Tensor mask = Tensor.fromArray(new float[] {1, 0, 1, 0, 1, 1}, d, 2, 3);
            Masks.set(model, "0.weight", mask);
            float[] v = w.toFloatArray();
            assertTrue(v[1] == 0f, "pruned entry 1: " + v[1]);
            assertTrue(v[3] == 0f, "pruned entry 3: " + v[3]);
            assertTrue(Masks.any(model));
            assertEquals(2.0 / 6, Masks.sparsity(model), 1e-12);
            assertFalse(model.stateDict().containsKey("0.weight_mask"));
            assertEquals(java.util.Set.of("0.weight"), Masks.of(model).keySet());

            var sgd = Masks.attach(SGD.builder(model.parameters()).lr(0.1).momentum(0.9).weightDecay(0.1).build(), model);
            for (int step = 0; step < 3; step++) {
                sgd.zeroGrad();
                model.forward(Tensor.ones(Shape.of(4, 3), d)).square().sum().backward();
                sgd.step();
            }
            v = w.toFloatArray();
            assertTrue(v[1] == 0f, "pruned entry 1: " + v[1]);
            assertTrue(v[3] == 0f, "pruned entry 3: " + v[3]);
            assertNotEquals(0f, v[0]);

            try (var _ = ai.lethe.tensor.GradMode.noGrad()) { w.addInPlace(Tensor.ones(Shape.of(2, 3), d), 1); }
            Masks.reapply(model);
            assertTrue(w.toFloatArray()[1] == 0f);

            Masks.clear(model);
            assertFalse(Masks.any(model));
            assertEquals(0, Masks.sparsity(model));
        }
    }

    @Test void badMasksAreRefused() {
        try (var _ = Scope.open(); var model = new Sequential(new Linear(3, 2, true))) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Masks.set(model, "0.weight", Tensor.ones(Shape.of(3, 2), model.parameter("0.weight").device())));
            assertTrue(e.getMessage().contains("does not match"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Masks.set(model, "0.weight", Tensor.full(Shape.of(2, 3), 0.5, model.parameter("0.weight").device())));
            assertTrue(e.getMessage().contains("only 0 and 1"), e.getMessage());
        }
    }
}
