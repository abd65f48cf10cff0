// StepCounts, the GPU benchmark's record of a training step's device counters, counts what TrainingStepProxiesTest
// asserts on: for its ResNet18 and ViT on cuda-emu, the steady step StepCounts measures equals the one
// TrainingStepProxiesTest.steadyStep measures (launches, GEMMs, synchronisations, allocations, copies and bytes),
// repeats exactly, and the window read after it is one synchronisation. A CPU device is refused with a reason.
package ai.lethe.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.core.Device;
import ai.lethe.models.ModelConfig;
import org.junit.jupiter.api.Test;

class StepCountsTest {
    private static void sameAsTheProxiesTest(ModelConfig config) {
        CudaBackend cuda = TrainingStepProxiesTest.emulator();
        StepCounts.Result r = StepCounts.measure(config, TrainingStepProxiesTest.BATCH, 1, 12, 4, cuda.device(),
                TrainingStepProxiesTest.WARM_UP);
        assertEquals(TrainingStepProxiesTest.steadyStep(config), r.steady());
        assertTrue(r.repeats(), r.steady() + " then " + r.next());
        assertEquals(1, r.flush().hostSynchronizations(), r.flush().toString());
        assertTrue(r.first().launches() >= r.steady().launches(), "the first step does at least a steady step's work: " + r.first());
    }

    @Test void resnet18() { sameAsTheProxiesTest(TrainingStepProxiesTest.RESNET18); }

    @Test void vit() { sameAsTheProxiesTest(TrainingStepProxiesTest.VIT); }

    @Test void aCpuDeviceHasNoCounters() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> StepCounts.measure(TrainingStepProxiesTest.VIT, 8, 1, 12, 4, Device.parse("cpu"), 3));
        assertTrue(e.getMessage().contains("not a CUDA device"), e.getMessage());
    }
}
