// Pruning reads the device a constant number of times whatever the number of tensors (issue 15: no per-tensor host
// round trip). On cuda-emu, counted by CudaBackend.counters(): GlobalPruning.magnitude over a narrow ResNet18 and over
// a ResNet with one block a stage (fewer prunable tensors) makes the same number of host synchronisations and
// device-to-host copies — 4 for a first pruning (GlobalTopK's 3, Masks.setAll's one check of every new mask), 5 for a
// second one on top of existing masks (plus one read of the old masks' kept counts) — and the masks equal the ref
// backend's for the same weights. Masks.setAll checks any number of masks with one read, refuses a mask holding
// another value than 0 and 1 (NaN included) naming its parameter and then sets none; Masks.sparsity and
// GlobalPruning.perTensor read once and agree with the ref backend. ModelCopies.copy (every experiment cell, tuner
// trial and transfer candidate starts from one) reads the device the same number of times for a pruned ResNet18 as for
// a pruned one-block ResNet, and the copy holds the original's weights and masks.
package ai.lethe.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.DeviceCounters;
import ai.lethe.core.Device;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelCopies;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.nn.Masks;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.TrainingStepProxiesTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class PruningHostReadsTest {
    static final ResNetConfig RESNET18 = new ResNetConfig(3, 10, 8, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);
    static final ResNetConfig ONE_BLOCK = new ResNetConfig(3, 10, 8, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1));
    /** Reads of a first pruning (GlobalTopK's two histograms and kept-tie count; Masks.setAll's check). */
    static final long FIRST = 4;
    /** Reads of a pruning on top of masks (and the old masks' kept counts). */
    static final long AGAIN = 5;

    record Run(int tensors, DeviceCounters first, DeviceCounters again, Map<String, float[]> masks, double sparsity,
               Map<String, Double> perTensor) {}

    /** What {@code work} asked of the device (nothing counted for a backend without counters). */
    static DeviceCounters counted(CudaBackend cuda, Runnable work) {
        if (cuda == null) {
            work.run();
            return DeviceCounters.ZERO;
        }
        cuda.synchronize();
        DeviceCounters before = cuda.counters();
        work.run();
        return cuda.counters().minus(before);
    }

    static <T> T counted(CudaBackend cuda, Supplier<T> work, DeviceCounters[] out) {
        Object[] r = new Object[1];
        out[0] = counted(cuda, () -> r[0] = work.get());
        @SuppressWarnings("unchecked") T t = (T) r[0];
        return t;
    }

    /** Magnitude pruning to 50% and then 80% on {@code device} (cuda: its backend, counted; null: not counted). */
    static Run prune(ResNetConfig config, Device device, CudaBackend cuda) {
        try (ImageModel m = Models.create(config, new Generator(3)).to(device); var _ = Scope.open()) {
            DeviceCounters first = counted(cuda, () -> GlobalPruning.magnitude(m, 0.5));
            DeviceCounters again = counted(cuda, () -> GlobalPruning.magnitude(m, 0.8));
            DeviceCounters[] s = new DeviceCounters[1], p = new DeviceCounters[1];
            double sparsity = counted(cuda, () -> Masks.sparsity(m), s);
            Map<String, Double> perTensor = counted(cuda, () -> GlobalPruning.perTensor(m), p);
            if (cuda != null) {
                assertEquals(1, s[0].deviceToHostCopies(), "Masks.sparsity: " + s[0]);
                assertEquals(1, p[0].deviceToHostCopies(), "GlobalPruning.perTensor: " + p[0]);
            }
            Map<String, float[]> masks = new LinkedHashMap<>();
            Masks.of(m).forEach((k, v) -> masks.put(k, v.toFloatArray()));
            return new Run(masks.size(), first, again, masks, sparsity, perTensor);
        }
    }

    static void assertReads(long want, DeviceCounters c, String what) {
        assertEquals(want, c.hostSynchronizations(), what + ": " + c);
        assertEquals(want, c.deviceToHostCopies(), what + ": " + c);
    }

    @Test void magnitudePruningReadsTheDeviceAConstantNumberOfTimes() {
        CudaBackend cuda = TrainingStepProxiesTest.emulatorForOtherPackages();
        Run big = prune(RESNET18, cuda.device(), cuda), small = prune(ONE_BLOCK, cuda.device(), cuda);
        assertTrue(big.tensors() > small.tensors() + 5, big.tensors() + " and " + small.tensors() + " prunable tensors");
        for (Run r : List.of(big, small)) {
            assertReads(FIRST, r.first(), r.tensors() + " tensors, first pruning");
            assertReads(AGAIN, r.again(), r.tensors() + " tensors, pruning again");
        }
        Run ref = prune(RESNET18, Device.REF, null);
        assertEquals(ref.masks().keySet(), big.masks().keySet());
        for (String k : ref.masks().keySet()) assertArrayEquals(ref.masks().get(k), big.masks().get(k), k);
        assertEquals(ref.sparsity(), big.sparsity(), 0, "Masks.sparsity");
        assertEquals(0.8, big.sparsity(), 1e-5, "round(0.8 total) / total");
        assertEquals(ref.perTensor(), big.perTensor(), "GlobalPruning.perTensor");
    }

    @Test void masksAreCheckedTogetherInOneRead() {
        CudaBackend cuda = TrainingStepProxiesTest.emulatorForOtherPackages();
        try (ImageModel m = Models.create(RESNET18, new Generator(4)).to(cuda.device()); var _ = Scope.open()) {
            Map<String, Tensor> masks = new LinkedHashMap<>();
            for (String n : Prunable.names(m)) {
                Tensor p = m.parameter(n);
                masks.put(n, p.gt(0));   // 0/1, float32, on the device
            }
            assertTrue(masks.size() > 10, masks.size() + " masks");
            DeviceCounters all = counted(cuda, () -> Masks.setAll(m, masks));
            assertReads(1, all, masks.size() + " masks");
            String first = masks.keySet().iterator().next();
            DeviceCounters one = counted(cuda, () -> Masks.set(m, first, masks.get(first).copy()));
            assertReads(1, one, "one mask");
            for (var e : masks.entrySet())
                for (float v : m.parameter(e.getKey()).toFloatArray()) assertFalse(v < 0, e.getKey() + ": a pruned weight is " + v);
            Masks.clear(m);   // the model owned the masks: they are closed now

            Map<String, Tensor> bad = new LinkedHashMap<>();
            for (String n : masks.keySet()) bad.put(n, m.parameter(n).gt(0));
            String third = List.copyOf(masks.keySet()).get(2);
            Tensor b = bad.get(third);
            bad.put(third, b.copy().fill(Double.NaN));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Masks.setAll(m, bad));
            assertTrue(e.getMessage().contains(third) && e.getMessage().contains("only 0 and 1"), e.getMessage());
            assertFalse(Masks.any(m), "a refused set sets no mask");
            bad.put(third, b.mul(2));   // 0 and 2
            e = assertThrows(IllegalArgumentException.class, () -> Masks.setAll(m, bad));
            assertTrue(e.getMessage().contains(third), e.getMessage());
        }
    }

    /** Reads of copying a pruned {@code config} model on the emulator; asserts the copy equals the original. */
    static long copyReads(ResNetConfig config, CudaBackend cuda) {
        try (ImageModel m = Models.create(config, new Generator(5)).to(cuda.device()); var _ = Scope.open()) {
            GlobalPruning.magnitude(m, 0.6);
            ImageModel[] copy = new ImageModel[1];
            DeviceCounters c = counted(cuda, () -> copy[0] = ModelCopies.copy(m));
            try (ImageModel k = copy[0]) {
                assertEquals(Masks.of(m).keySet(), Masks.of(k).keySet());
                for (var e : Masks.of(m).entrySet())
                    assertArrayEquals(e.getValue().toFloatArray(), Masks.of(k).get(e.getKey()).toFloatArray(), e.getKey());
                for (var e : m.stateDict().entrySet())
                    assertArrayEquals(e.getValue().toFloatArray(), k.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
                assertTrue(Masks.of(k).values().stream().noneMatch(v -> Masks.of(m).containsValue(v)), "the copy owns new masks");
            }
            assertEquals(c.hostSynchronizations(), c.deviceToHostCopies(), c.toString());
            return c.deviceToHostCopies();
        }
    }

    @Test void copyingAPrunedModelReadsTheDeviceAConstantNumberOfTimes() {
        CudaBackend cuda = TrainingStepProxiesTest.emulatorForOtherPackages();
        long big = copyReads(RESNET18, cuda), small = copyReads(ONE_BLOCK, cuda);
        assertEquals(small, big, "reads copying ResNet18 and a one-block ResNet");
        assertTrue(big <= 1, big + " reads: one check of all masks at most");
    }
}
