// BATCH_MEAN against PyTorch computing it the SSD reference's way (tools/reference/fisher_fixtures.py: eval
// mode, batches of 64 without shuffling, squared gradients of the mean loss summed, divided by the number of
// batches — 130 samples, so the last batch is partial), on every available backend.
package ai.lethe.fisher;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.io.Safetensors;
import ai.lethe.io.SafetensorsFile;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BatchMeanFixtureTest {
    static Stream<Device> devices() {
        return TestBackends.devices().stream();
    }

    /** Images and labels held as given (the fixture's inputs are already normalised values). */
    record ArrayDataset(float[] images, long[] labels, ImageShape shape, int classes) implements Dataset {
        @Override public String name() { return "fixture"; }
        @Override public int size() { return labels.length; }
        @Override public List<String> classNames() { return java.util.stream.IntStream.range(0, classes).mapToObj(Integer::toString).toList(); }
        @Override public int label(int i) { return (int) labels[i]; }
        @Override public void readImage(int i, float[] dst, int off) { System.arraycopy(images, i * shape.size(), dst, off, shape.size()); }
    }

    @ParameterizedTest @MethodSource("devices")
    void batchMeanMatchesTheSsdReference(Device device) throws Exception {
        Path file = Path.of(getClass().getResource("/fisher/resnet_batch_mean.safetensors").toURI());
        try (SafetensorsFile f = Safetensors.open(file); Scope _ = Scope.open()) {
            ModelConfig config = ModelConfig.fromJson(f.metadata().get("config"));
            Map<String, Tensor> state = new LinkedHashMap<>(), expected = new LinkedHashMap<>();
            for (String n : f.names()) {
                if (n.startsWith("state.")) state.put(n.substring(6), f.tensor(n, device));
                if (n.startsWith("fisher.")) expected.put(n.substring(7), f.tensor(n, Device.REF));
            }
            Tensor images = f.tensor("images", Device.REF);
            var data = new ArrayDataset(images.toFloatArray(), f.tensor("labels", Device.REF).toLongArray(),
                    new ImageShape(3, 8, 8), config.numClasses());
            try (ImageModel m = Models.create(config).to(device)) {
                assertTrue(m.loadStateDict(state, true).isClean());
                DataLoader loader = DataLoader.builder(data).batchSize(64).shuffle(false).device(device).workers(0).build();
                try (FisherMap fisher = FisherDiagonal.compute(m, loader, FisherKind.BATCH_MEAN)) {
                    assertEquals(List.copyOf(expected.keySet()), fisher.names());
                    assertEquals(130, fisher.samples());
                    for (var e : expected.entrySet())
                        PerSampleFisherTest.assertClose(e.getKey() + " on " + device, e.getValue().toDoubleArray(),
                                fisher.get(e.getKey()).toDoubleArray(), 1e-4);
                }
            }
        }
    }
}
