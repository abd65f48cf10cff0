// A loop of 10,000 small training steps (forward, backward, optimizer) keeps off-heap memory flat on every
// available backend: the bytes in use after the loop equal those after the first steps, and the peak stops
// growing once the first step has run.
package ai.lethe.integration;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backend;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.nn.F;
import ai.lethe.nn.Linear;
import ai.lethe.nn.ReLU;
import ai.lethe.nn.Sequential;
import ai.lethe.optim.AdamW;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MemoryStabilityTest {
    static Stream<Backend> backends() { return TestBackends.available().stream(); }

    @ParameterizedTest @MethodSource("backends")
    void tenThousandStepsKeepMemoryFlat(Backend backend) {
        Device device = backend.device();
        Generator gen = new Generator(5);
        long before = backend.memoryStats().liveBytes();
        try (Sequential net = new Sequential(new Linear(6, 8, true, gen), new ReLU(), new Linear(8, 3, true, gen))) {
            net.to(device);
            try (AdamW opt = AdamW.builder(net.parameters()).lr(1e-3).build();
                 Scope data = Scope.open("data")) {
                Tensor x = Tensor.randn(Shape.of(4, 6), gen, device);
                Tensor y = Tensor.fromLongs(new long[] {0, 1, 2, 1}, device, 4);
                backend.resetPeakBytes();
                long afterWarmup = 0, peakAfterWarmup = 0;
                for (int step = 0; step < 10_000; step++) {
                    try (Scope s = Scope.open("step")) {
                        opt.zeroGrad();
                        F.crossEntropy(net.forward(x), y).backward();
                        opt.step();
                    }
                    if (step == 9) {
                        afterWarmup = backend.memoryStats().liveBytes();
                        peakAfterWarmup = backend.memoryStats().peakBytes();
                    }
                }
                assertEquals(afterWarmup, backend.memoryStats().liveBytes(), "live bytes drifted on " + device);
                assertEquals(peakAfterWarmup, backend.memoryStats().peakBytes(), "peak bytes grew on " + device);
            }
        }
        assertEquals(before, backend.memoryStats().liveBytes(), "memory left behind on " + device);
    }
}
