// PerSampleGradients (Influence Unlearning's G, one forward/backward per batch) against the single-sample loop it
// replaces — a batch-size-1 loader, mean cross-entropy, backward, each parameter's .grad flattened into the row — on a
// tiny ResNet (convolutions, batch norm in eval mode with non-trivial running statistics, linear head) and a tiny ViT
// (patch conv with bias, layer norm, attention's token-axis linears, MLP, cls token, position embedding), for batch
// sizes that do and do not divide the sample count, on every available backend. Tolerance, stated per parameter
// block: |batched − loop| <= 1e-4 · max |loop block| + 1e-7 (the batched kernels sum in another order than the
// batch-of-one ones). Also: a frozen parameter keeps a zero block, requiresGrad flags are restored, and a model in
// training mode or a loader that yields the wrong number of samples is refused.
package ai.lethe.fisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.Epoch;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.nn.F;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PerSampleGradientsTest {
    static final Dataset SAMPLES = PerSampleFisherTest.DATA.train().subset(new int[] {0, 3, 5, 9, 17, 22, 30, 41, 50, 63, 1, 2}, "twelve");

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Device d : TestBackends.devices())
            for (ModelConfig m : List.of(PerSampleFisherTest.RESNET, PerSampleFisherTest.VIT))
                for (int batch : new int[] {5, 12}) out.add(Arguments.of(m.modelName(), d, m, batch));
        return out.stream();
    }

    /** The reference: one forward/backward per sample, each parameter's gradient copied into the sample's row. */
    static float[][] loop(ImageModel model, Dataset data, Device device) {
        Map<String, Tensor> params = model.namedParameters();
        List<float[]> rows = new ArrayList<>();
        try (Epoch epoch = PerSampleFisherTest.loader(data, 1, device).epoch(0)) {
            for (Batch batch : epoch) {
                try (batch; Scope _ = Scope.open()) {
                    model.zeroGrad();
                    F.crossEntropy(model.forward(batch.images()), batch.labels()).backward();
                    List<Float> row = new ArrayList<>();
                    for (Tensor p : params.values()) {
                        float[] g = p.grad() == null ? new float[(int) p.numel()] : p.grad().contiguous().toFloatArray();
                        for (float v : g) row.add(v);
                    }
                    float[] r = new float[row.size()];
                    for (int i = 0; i < r.length; i++) r[i] = row.get(i);
                    rows.add(r);
                }
            }
        }
        model.zeroGrad();
        return rows.toArray(new float[0][]);
    }

    static void assertBlocksMatch(String what, ImageModel model, float[][] want, float[] got) {
        long p = model.namedParameters().values().stream().mapToLong(Tensor::numel).sum();
        assertEquals(want.length * p, got.length, what + ": G's size");
        for (int n = 0; n < want.length; n++) {
            int off = 0;
            for (var e : model.namedParameters().entrySet()) {
                int size = (int) e.getValue().numel();
                double max = 0, diff = 0;
                for (int i = off; i < off + size; i++) {
                    max = Math.max(max, Math.abs(want[n][i]));
                    diff = Math.max(diff, Math.abs(want[n][i] - got[(int) (n * p) + i]));
                }
                assertTrue(diff <= 1e-4 * max + 1e-7, what + ": sample " + n + ", " + e.getKey() + ": max |diff| " + diff
                        + " against max |g| " + max);
                off += size;
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}, batch {3}") @MethodSource("cases")
    void batchedRowsEqualTheSingleSampleLoop(String name, Device device, ModelConfig config, int batch) {
        try (ImageModel m = PerSampleFisherTest.model(config, device)) {
            m.eval();
            float[][] want = loop(m, SAMPLES, device);
            int off = 0;
            for (var e : m.namedParameters().entrySet()) {   // every block is exercised: non-zero for some sample
                boolean nonZero = false;
                for (float[] r : want) for (int i = off; i < off + e.getValue().numel(); i++) nonZero |= r[i] != 0;
                assertTrue(nonZero, e.getKey() + ": the reference gradient is zero for every sample");
                off += (int) e.getValue().numel();
            }
            try (Tensor g = PerSampleGradients.matrix(m, PerSampleFisherTest.loader(SAMPLES, batch, device), SAMPLES.size())) {
                assertEquals(Shape.of(SAMPLES.size(), want[0].length), g.shape());
                assertBlocksMatch(name + " on " + device, m, want, g.toFloatArray());
            }
            for (Tensor p : m.parameters()) assertTrue(p.requiresGrad(), "requiresGrad restored");
        }
    }

    @ParameterizedTest(name = "{0} on {1}, batch {3}") @MethodSource("cases")
    void aFrozenParameterKeepsAZeroBlock(String name, Device device, ModelConfig config, int batch) {
        if (batch != 5 || !device.equals(Device.REF)) return;   // one batch size on ref covers it
        try (ImageModel m = PerSampleFisherTest.model(config, device)) {
            m.eval();
            var first = m.namedParameters().entrySet().iterator().next();   // the stem / patch conv's weight
            first.getValue().setRequiresGrad(false);
            float[][] want = loop(m, SAMPLES, device);
            try (Tensor g = PerSampleGradients.matrix(m, PerSampleFisherTest.loader(SAMPLES, batch, device), SAMPLES.size())) {
                float[] got = g.toFloatArray();
                assertBlocksMatch(name + " frozen " + first.getKey(), m, want, got);
                for (int n = 0; n < SAMPLES.size(); n++)
                    for (int i = 0; i < first.getValue().numel(); i++) assertEquals(0f, got[n * want[0].length + i]);
            }
            assertTrue(!first.getValue().requiresGrad(), "a frozen parameter stays frozen");
        }
    }

    @ParameterizedTest(name = "{0} on {1}, batch {3}") @MethodSource("cases")
    void badUseIsRefused(String name, Device device, ModelConfig config, int batch) {
        if (batch != 5 || !device.equals(Device.REF)) return;
        try (ImageModel m = PerSampleFisherTest.model(config, device)) {
            m.train();
            var e = assertThrows(IllegalStateException.class,
                    () -> PerSampleGradients.matrix(m, PerSampleFisherTest.loader(SAMPLES, batch, device), SAMPLES.size()));
            assertTrue(e.getMessage().contains("training mode"), e.getMessage());
            m.eval();
            var wrong = assertThrows(IllegalArgumentException.class,
                    () -> PerSampleGradients.matrix(m, PerSampleFisherTest.loader(SAMPLES, batch, device), 11));
            assertTrue(wrong.getMessage().contains("more than 11 samples"), wrong.getMessage());
            wrong = assertThrows(IllegalArgumentException.class,
                    () -> PerSampleGradients.matrix(m, PerSampleFisherTest.loader(SAMPLES, batch, device), 13));
            assertTrue(wrong.getMessage().contains("yielded 12 samples, expected 13"), wrong.getMessage());
            try (var _ = GradMode.noGrad()) {
                for (Tensor p : m.parameters()) assertTrue(p.requiresGrad(), "requiresGrad restored after a failure");
            }
        }
    }
}
