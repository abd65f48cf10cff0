// The fused forward of ResNet's BasicBlock and stem (bn + ReLU and the residual add + ReLU as single ops, FusedNorm)
// computes what the unfused modules compute: on every backend of the run, a small ResNet18 trained for one forward and
// backward with no hooks (fused) and with a no-op forward hook on every BatchNorm and ReLU (the fallback to the
// unfused modules) gives the same logits, parameter gradients and running statistics, within 1e-5 relative (the
// same kernels' arithmetic in another grouping); a hook on bn1 still sees bn1's own output (pre-ReLU, with negative
// values); the state_dict's names are unchanged; and on cuda-emu the fused step launches fewer kernels.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Backends;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.core.Device;
import ai.lethe.nn.BatchNorm;
import ai.lethe.nn.F;
import ai.lethe.nn.Module;
import ai.lethe.nn.ReLU;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BasicBlockFusionTest {
    static final ModelConfig RESNET = new ResNetConfig(1, 4, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);

    /** Every module of the tree (depth first). */
    static List<Module> modules(Module m) {
        List<Module> out = new ArrayList<>(List.of(m));
        for (Module c : m.namedChildren().values()) out.addAll(modules(c));
        return out;
    }

    /** Logits, then every gradient and buffer by name, after one forward and backward on d; hooked: the fallback. */
    static Map<String, double[]> step(Device d, boolean hooked, long[] launches) {
        Random r = new Random(4);
        float[] images = new float[6 * 12 * 12];
        for (int i = 0; i < images.length; i++) images[i] = (float) r.nextGaussian();
        long[] labels = {0, 1, 2, 3, 1, 2};
        Map<String, double[]> out = new LinkedHashMap<>();
        try (ImageModel model = Models.create(RESNET, new Generator(1)).to(d); Scope _ = Scope.open("step")) {
            model.train();
            List<Module.HookHandle> hooks = new ArrayList<>();
            if (hooked)
                for (Module m : modules(model))
                    if (m instanceof BatchNorm || m instanceof ReLU) hooks.add(m.addForwardHook((mod, in, y) -> {}));
            Tensor x = Tensor.fromArray(images, d, 6, 1, 12, 12), y = Tensor.fromLongs(labels, d, 6);
            CudaBackend cuda = d.type().equals("cuda-emu") ? (CudaBackend) Backends.implementation(Backends.byName("cuda-emu")) : null;
            long before = cuda == null ? 0 : cuda.counters().launches();
            Tensor logits = model.forward(x);
            F.crossEntropy(logits, y).backward();
            if (cuda != null) launches[0] = cuda.counters().launches() - before;
            out.put("logits", logits.toDoubleArray());
            model.namedParameters().forEach((k, p) -> out.put("grad " + k, p.grad().toDoubleArray()));
            model.stateDict().forEach((k, t) -> { if (!k.endsWith("num_batches_tracked")) out.put(k, t.toDoubleArray()); });
            hooks.forEach(Module.HookHandle::close);
        }
        return out;
    }

    @Test void fusedAndHookedPathsAgreeOnEveryBackend() {
        for (Device d : TestBackends.devices()) {
            long[] fusedLaunches = new long[1], unfusedLaunches = new long[1];
            Map<String, double[]> fused = step(d, false, fusedLaunches), unfused = step(d, true, unfusedLaunches);
            assertEquals(unfused.keySet(), fused.keySet(), "state_dict and parameter names on " + d);
            unfused.forEach((k, e) -> {
                double[] a = fused.get(k);
                double scale = 0;
                for (double v : e) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < e.length; i++)
                    assertTrue(Math.abs(e[i] - a[i]) <= 1e-5 * Math.max(1e-3, scale), k + "[" + i + "] on " + d + ": unfused "
                            + e[i] + ", fused " + a[i]);
            });
            if (d.type().equals("cuda-emu"))
                assertTrue(fusedLaunches[0] < unfusedLaunches[0], "launches: fused " + fusedLaunches[0] + ", unfused " + unfusedLaunches[0]);
        }
    }

    @Test void aHookOnBatchNormStillSeesItsOwnOutput() {
        try (ImageModel model = Models.create(RESNET, new Generator(1)); Scope _ = Scope.open("hook")) {
            double[] min = {Double.MAX_VALUE};
            Module bn1 = model.module("layer1").module("0").module("bn1");
            try (Module.HookHandle _ = bn1.addForwardHook((m, in, y) -> { for (double v : y.toDoubleArray()) min[0] = Math.min(min[0], v); })) {
                float[] images = new float[2 * 144];
                Random r = new Random(2);
                for (int i = 0; i < images.length; i++) images[i] = (float) r.nextGaussian();
                model.forward(Tensor.fromArray(images, Tensor.empty(1).device(), 2, 1, 12, 12));
            }
            assertTrue(min[0] < 0, "bn1's output (before the ReLU) has negative values, got min " + min[0]);
        }
    }
}
