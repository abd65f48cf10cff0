// GlobalTopK makes a constant number of host round trips on a device backend, whatever the number of score
// tensors (issue 15: global top-k on the device with no per-tensor host round trip). On cuda-emu, counted by
// CudaBackend.counters(): pruning by magnitude over the 62 parameter tensors of a (narrow) ResNet18 and over its
// first 10 makes the same number of host synchronisations and device-to-host copies — 3: two histogram reads and
// the kept-tie count — and the masks equal a sort-based reference computed here and the ref backend's masks.
package ai.lethe.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GlobalTopKHostSyncTest {
    /** ResNet18's layout (62 parameter tensors: 20 convs, 20 batch norms x 2, the head's weight and bias) at width 8. */
    static final ResNetConfig RESNET18 = new ResNetConfig(3, 10, 8, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);
    /** Host round trips of one GlobalTopK.keepLargest: two histogram passes and the mask pass's kept-tie count. */
    static final long ROUND_TRIPS = 3;

    static CudaBackend emulator() {
        Backend b = Backends.byName("cuda-emu");
        Availability a = b.availability();
        if (!a.available()) {
            assumeTrue(TestBackends.optional("cuda-emu"), "cuda-emu is optional in this run: " + a.reason());
            fail("cuda-emu must be available: " + a.reason());
        }
        return (CudaBackend) Backends.implementation(b);
    }

    /** |θ| of every parameter of the model, in order, as host arrays. */
    static List<float[]> magnitudes() {
        List<float[]> out = new ArrayList<>();
        try (ImageModel model = Models.create(RESNET18, new Generator(3)); var _ = GradMode.noGrad(); var _ = Scope.open()) {
            for (Tensor p : model.namedParameters().values()) out.add(p.abs().contiguous().toFloatArray());
        }
        return out;
    }

    record Run(DeviceCounters counts, List<float[]> masks) {}

    /** Keeps the 5% largest of the first {@code tensors} score arrays on {@code device}, counting the device's work. */
    static Run prune(CudaBackend cuda, Device device, List<float[]> scores, int tensors) {
        try (var _ = Scope.open()) {
            List<Tensor> t = new ArrayList<>();
            for (float[] s : scores.subList(0, tensors)) t.add(Tensor.fromArray(s, device, s.length));
            long total = t.stream().mapToLong(Tensor::numel).sum();
            if (cuda != null) cuda.synchronize();
            DeviceCounters before = cuda == null ? DeviceCounters.ZERO : cuda.counters();
            List<Tensor> masks = GlobalTopK.keepLargest(t, Math.round(0.05 * total));
            DeviceCounters counts = cuda == null ? DeviceCounters.ZERO : cuda.counters().minus(before);
            List<float[]> out = new ArrayList<>();
            for (Tensor m : masks) out.add(m.toFloatArray());
            return new Run(counts, out);
        }
    }

    /** The masks of the k largest by a full sort: everything above the k-th largest, then the first ties in order. */
    static List<float[]> sorted(List<float[]> scores, long k) {
        float[] all = new float[scores.stream().mapToInt(a -> a.length).sum()];
        int o = 0;
        for (float[] a : scores) { System.arraycopy(a, 0, all, o, a.length); o += a.length; }
        Arrays.sort(all);
        float kth = all[all.length - (int) k];
        long ties = k;
        for (float v : all) if (v > kth) ties--;
        List<float[]> out = new ArrayList<>();
        for (float[] a : scores) {
            float[] m = new float[a.length];
            for (int i = 0; i < a.length; i++)
                if (a[i] > kth || (a[i] == kth && ties-- > 0)) m[i] = 1;
            out.add(m);
        }
        return out;
    }

    @Test void hostRoundTripsDoNotGrowWithTheNumberOfTensors() {
        CudaBackend cuda = emulator();
        List<float[]> scores = magnitudes();
        assertEquals(62, scores.size(), "ResNet18 has 62 parameter tensors");
        Run ten = prune(cuda, cuda.device(), scores, 10), all = prune(cuda, cuda.device(), scores, 62);
        assertEquals(ROUND_TRIPS, all.counts().hostSynchronizations(), "62 tensors: " + all.counts());
        assertEquals(ROUND_TRIPS, all.counts().deviceToHostCopies(), "62 tensors: " + all.counts());
        assertEquals(ten.counts().hostSynchronizations(), all.counts().hostSynchronizations(), "10 tensors: " + ten.counts());
        assertEquals(ten.counts().deviceToHostCopies(), all.counts().deviceToHostCopies(), "10 tensors: " + ten.counts());
        // one launch per pass whatever the tensor count (2 histograms, 3 mask kernels)
        assertEquals(ten.counts().launches(), all.counts().launches(), "10 tensors: " + ten.counts() + ", 62: " + all.counts());
        assertTrue(all.counts().launches() <= 5, "62 tensors: " + all.counts());

        long total = scores.stream().mapToLong(a -> a.length).sum();
        List<float[]> want = sorted(scores, Math.round(0.05 * total));
        Run ref = prune(null, Device.REF, scores, 62);
        for (int i = 0; i < 62; i++) {
            assertArrayEquals(want.get(i), all.masks().get(i), "tensor " + i + " on cuda-emu");
            assertArrayEquals(want.get(i), ref.masks().get(i), "tensor " + i + " on ref");
        }
    }
}
