// A thousand training steps (forward, backward, step, zeroGrad) keep the backend's live bytes flat once the
// optimizer state exists: a step allocates nothing that outlives it. On every available backend.
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
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OptimizerMemoryTest {
    static List<Device> devices() { return TestBackends.devices(); }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void thousandStepsKeepLiveBytesFlat(Device device) {
        List<Function<List<Tensor>, Optimizer<?>>> makers = List.of(
                ps -> SGD.builder(ps).lr(0.01).momentum(0.9).weightDecay(5e-4).nesterov(true).build(),
                ps -> AdamW.builder(ps).lr(1e-3).build());
        for (var make : makers) {
            try (Scope scope = Scope.open()) {
                Backend backend = Tensor.zeros(Shape.of(1), device).backend();
                Generator gen = new Generator(11);
                Tensor x = Tensor.randn(Shape.of(16, 8), gen, device);
                Tensor w = Tensor.randn(Shape.of(8, 4), gen, device).mul(0.1).contiguousCopy().setRequiresGrad(true);
                Tensor b = Tensor.zeros(Shape.of(4), device).setRequiresGrad(true);
                try (Optimizer<?> opt = make.apply(List.of(w, b))) {
                    long afterFirst = 0;
                    int owned = scope.size();
                    for (int i = 0; i < 1000; i++) {
                        try (var _ = Scope.open()) {
                            x.matmul(w).add(b).tanh().square().mean().backward();
                            opt.step();
                            opt.zeroGrad();
                        }
                        if (i == 0) afterFirst = backend.memoryStats().liveBytes();
                    }
                    assertEquals(afterFirst, backend.memoryStats().liveBytes(), opt + ": live bytes grew over 1000 steps");
                    assertEquals(owned, scope.size(), "no tensor leaked into the enclosing scope");
                }
            }
        }
    }
}
