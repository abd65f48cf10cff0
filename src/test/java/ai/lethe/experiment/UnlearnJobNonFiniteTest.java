// UnlearnJob's check of an unlearned model for diverged parameters (the warning in unlearn.json): the count of
// infinite and NaN values equals a brute-force count over the host copies on every backend (ref, cpu, cuda-emu), for
// NaN, +∞ and −∞ spread over several tensors and for none at all; on cuda-emu it reads the device once, for a
// ResNet18 as for a one-block ResNet (issue 15: no per-tensor host round trip after a run).
package ai.lethe.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.DeviceCounters;
import ai.lethe.core.Device;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import ai.lethe.train.TrainingStepProxiesTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class UnlearnJobNonFiniteTest {
    static final ResNetConfig ONE_BLOCK = new ResNetConfig(1, 10, 4, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1));
    static final ResNetConfig RESNET18 = new ResNetConfig(1, 10, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);

    static List<Device> devices() { return TestBackends.devices(); }

    /** Infinite and NaN values counted on the host, one tensor at a time. */
    static long bruteForce(ImageModel m) {
        long bad = 0;
        for (Tensor p : m.parameters())
            for (float v : p.toFloatArray()) if (!Float.isFinite(v)) bad++;
        return bad;
    }

    /** Writes {@code value} into {@code positions} of parameter {@code index}. */
    static void poison(ImageModel m, int index, float value, int... positions) {
        Tensor p = m.parameters().get(index);
        float[] a = p.toFloatArray();
        for (int i : positions) a[i] = value;
        try (var _ = GradMode.noGrad(); var _ = Scope.open()) {
            p.copyFrom(Tensor.fromArray(a, p.device(), p.shape().dims()));
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void countsEveryInfiniteAndNaNValue(Device device) {
        try (ImageModel m = Models.create(ONE_BLOCK, new Generator(1)).to(device)) {
            assertEquals(0, UnlearnJob.nonFinite(m), "a freshly initialised model");
            int last = m.parameters().size() - 1;
            poison(m, 0, Float.NaN, 0, 5, 7);
            poison(m, 3, Float.POSITIVE_INFINITY, 1);
            poison(m, last, Float.NEGATIVE_INFINITY, 0, 2);
            poison(m, last, Float.MAX_VALUE, 3);   // large but finite: not counted
            assertEquals(6, bruteForce(m));
            assertEquals(bruteForce(m), UnlearnJob.nonFinite(m));
        }
    }

    static long reads(ResNetConfig config, CudaBackend cuda) {
        try (ImageModel m = Models.create(config, new Generator(2)).to(cuda.device())) {
            poison(m, 1, Float.NaN, 0);
            cuda.synchronize();
            DeviceCounters before = cuda.counters();
            assertEquals(1, UnlearnJob.nonFinite(m));
            DeviceCounters c = cuda.counters().minus(before);
            assertEquals(c.hostSynchronizations(), c.deviceToHostCopies(), c.toString());
            return c.deviceToHostCopies();
        }
    }

    @Test void readsTheDeviceOnceWhateverTheNumberOfTensors() {
        CudaBackend cuda = TrainingStepProxiesTest.emulatorForOtherPackages();
        long big = reads(RESNET18, cuda), small = reads(ONE_BLOCK, cuda);
        assertEquals(1, big, "ResNet18");
        assertEquals(1, small, "one-block ResNet");
        try (ImageModel a = Models.create(RESNET18, new Generator(0)); ImageModel b = Models.create(ONE_BLOCK, new Generator(0))) {
            assertTrue(a.parameters().size() > b.parameters().size() + 20, a.parameters().size() + " and " + b.parameters().size());
        }
    }
}
