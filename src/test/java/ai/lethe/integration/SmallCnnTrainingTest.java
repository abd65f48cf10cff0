// Acceptance of the foundation: a small CNN (conv-bn-relu-pool-linear) trained with SGD on a synthetic,
// learnable image task reaches > 95% test accuracy on every available backend, and the same seed gives the
// same loss sequence.
package ai.lethe.integration;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.nn.BatchNorm2d;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.F;
import ai.lethe.nn.Flatten;
import ai.lethe.nn.Linear;
import ai.lethe.nn.MaxPool2d;
import ai.lethe.nn.ReLU;
import ai.lethe.nn.Sequential;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SmallCnnTrainingTest {
    static final int TRAIN = 640, TEST = 256, BATCH = 32, EPOCHS = 8;

    static Stream<Device> devices() {
        return TestBackends.devices().stream();
    }

    record Outcome(List<Double> losses, double testAccuracy) {}

    static Sequential model(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(
                new Conv2d(1, 8, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, false, g),
                new BatchNorm2d(8),
                new ReLU(),
                new MaxPool2d(2),
                new Flatten(),
                new Linear(8 * 6 * 6, SyntheticImages.CLASSES, true, g));
    }

    static Outcome train(Device device, long seed) {
        SyntheticImages train = SyntheticImages.generate(TRAIN, 1), test = SyntheticImages.generate(TEST, 2);
        try (Sequential net = model(seed)) {
            net.to(device);
            try (SGD opt = SGD.builder(net.parameters()).lr(0.05).momentum(0.9).weightDecay(5e-4).build()) {
                List<Double> losses = new ArrayList<>();
                net.train();
                for (int epoch = 0; epoch < EPOCHS; epoch++) {
                    for (int from = 0; from < TRAIN; from += BATCH) {
                        try (Scope step = Scope.open("step")) {
                            Tensor loss = F.crossEntropy(net.forward(train.images(from, BATCH, device)), train.labels(from, BATCH, device));
                            opt.zeroGrad();
                            loss.backward();
                            opt.step();
                            losses.add(loss.item());
                        }
                    }
                }
                net.eval();
                long correct = 0;
                try (Scope eval = Scope.open("eval"); var _ = GradMode.noGrad()) {
                    for (int from = 0; from < TEST; from += BATCH) {
                        Tensor predicted = net.forward(test.images(from, BATCH, device)).argmax(1);
                        correct += (long) predicted.eq(test.labels(from, BATCH, device)).sum().item();
                    }
                }
                return new Outcome(losses, (double) correct / TEST);
            }
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void learnsTheTaskAndIsDeterministic(Device device) {
        long start = System.nanoTime();
        Outcome first = train(device, 42);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(first.testAccuracy() > 0.95, "test accuracy " + first.testAccuracy() + " on " + device);
        assertTrue(first.losses().getLast() < first.losses().getFirst() / 4,
                "loss did not fall: " + first.losses().getFirst() + " -> " + first.losses().getLast());
        Outcome second = train(device, 42);
        assertEquals(first.losses(), second.losses(), "same seed, same loss sequence on " + device);
        System.out.printf("small CNN on %s: accuracy %.3f, first run %.1f s%n", device, first.testAccuracy(), seconds);
    }
}
