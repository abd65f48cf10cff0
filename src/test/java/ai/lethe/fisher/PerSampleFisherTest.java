// PER_SAMPLE and TRUE Fisher diagonals against their brute-force definitions (one sample, one class at a time)
// on a tiny ResNet18 and a tiny ViT — every layer type of both models: convolutions with and without bias,
// batch norm, linear layers with and without a token axis, layer norm, cls token, position embedding — for
// batch sizes 1, 3 and 64, on ref; BATCH_MEAN against its definition; the results match across backends.
package ai.lethe.fisher;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.TrainTest;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.models.ViTConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PerSampleFisherTest {
    static final TrainTest DATA = SyntheticImages.generate(new SyntheticOptions(3, 64, 8, 3, 8, 8, 5, 0.3));
    static final ModelConfig RESNET = new ResNetConfig(3, 3, 2, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1));
    static final ModelConfig VIT = ViTConfig.of(8, 4, 3, 8, 1, 2);

    static Stream<Arguments> cases() {
        return Stream.of(RESNET, VIT).flatMap(m -> Stream.of(1, 3, 64).map(b -> Arguments.of(m.modelName(), m, b)));
    }

    static ImageModel model(ModelConfig config, Device device) {
        ImageModel m = Models.create(config, new Generator(7)).to(device);
        if (config instanceof ResNetConfig) {   // non-trivial running statistics
            for (var e : m.namedBuffers().entrySet()) {
                if (e.getKey().endsWith("running_mean")) e.getValue().copyFrom(Tensor.randn(e.getValue().shape(), new Generator(1), device).mul(0.1));
                if (e.getKey().endsWith("running_var")) e.getValue().copyFrom(Tensor.uniform(e.getValue().shape(), 0.5, 1.5, new Generator(2)).to(device));
            }
        }
        return m;
    }

    static DataLoader loader(Dataset d, int batch, Device device) {
        return DataLoader.builder(d).batchSize(batch).shuffle(false).device(device).workers(0).build();
    }

    @ParameterizedTest(name = "{0} batch {2}") @MethodSource("cases")
    void perSampleEqualsTheOneSampleLoop(String name, ModelConfig config, int batch) {
        try (ImageModel m = model(config, Device.REF);
             FisherMap fast = FisherDiagonal.compute(m, loader(DATA.train(), batch, Device.REF), FisherKind.PER_SAMPLE)) {
            assertEquals(64, fast.samples());
            assertMatches(name + " per-sample", BruteForceFisher.compute(m, DATA.train(), Device.REF, false), fast, 1e-5);
        }
    }

    @ParameterizedTest(name = "{0} batch {2}") @MethodSource("cases")
    void trueFisherEqualsItsDefinition(String name, ModelConfig config, int batch) {
        if (batch == 1) return;   // batch sizes 3 and 64 cover the true Fisher; the per-class loop is slow on ref
        Dataset few = DATA.train().subset(new int[] {0, 5, 9, 17, 30, 41, 63}, "few");
        try (ImageModel m = model(config, Device.REF);
             FisherMap fast = FisherDiagonal.compute(m, loader(few, batch, Device.REF), FisherKind.TRUE)) {
            assertMatches(name + " true", BruteForceFisher.compute(m, few, Device.REF, true), fast, 1e-5);
        }
    }

    @ParameterizedTest(name = "{0} batch {2}") @MethodSource("cases")
    void batchMeanEqualsItsDefinition(String name, ModelConfig config, int batch) {
        try (ImageModel m = model(config, Device.REF);
             FisherMap fast = FisherDiagonal.compute(m, loader(DATA.train(), batch, Device.REF), FisherKind.BATCH_MEAN)) {
            assertMatches(name + " batch-mean", BruteForceFisher.batchMean(m, DATA.train(), Device.REF, batch), fast, 1e-5);
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("models")
    void everyBackendAgreesWithRef(String name, ModelConfig config) {
        for (var b : TestBackends.nonRef()) {
            try (ImageModel onRef = model(config, Device.REF); ImageModel other = model(config, b.device());
                 FisherMap expected = FisherDiagonal.compute(onRef, loader(DATA.train(), 16, Device.REF), FisherKind.PER_SAMPLE);
                 FisherMap actual = FisherDiagonal.compute(other, loader(DATA.train(), 16, b.device()), FisherKind.PER_SAMPLE)) {
                for (String k : expected.names())
                    assertClose(name + " " + k + " on " + b.name(), expected.get(k).toDoubleArray(), actual.get(k).toDoubleArray(), 1e-4);
            }
        }
    }

    static Stream<Arguments> models() { return Stream.of(Arguments.of("resnet", RESNET), Arguments.of("vit", VIT)); }

    static void assertMatches(String what, Map<String, double[]> expected, FisherMap actual, double tolerance) {
        assertEquals(List.copyOf(expected.keySet()), actual.names(), what + ": names");
        for (var e : expected.entrySet()) assertClose(what + " " + e.getKey(), e.getValue(), actual.get(e.getKey()).toDoubleArray(), tolerance);
    }

    static void assertClose(String what, double[] expected, double[] actual, double tolerance) {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (expected[i] - actual[i]) * (expected[i] - actual[i]);
            norm += expected[i] * expected[i];
        }
        double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
        assertTrue(norm > 0 || diff == 0, what + ": reference is all zero");
        assertTrue(rel <= tolerance, what + ": relative error " + rel + " > " + tolerance);
    }
}
