// A checkpoint of a Lethe image model rebuilds that model from its own config: openModel gives a model with the
// same architecture and bit-identical weights, on any available device; a checkpoint without a config says so.
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.models.ViTConfig;
import ai.lethe.nn.Linear;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelCheckpointTest {
    @TempDir Path dir;

    static Stream<Device> devices() {
        return TestBackends.devices().stream();
    }

    @ParameterizedTest @MethodSource("devices")
    void openModelRebuildsTheArchitectureAndWeights(Device device) throws IOException {
        for (ModelConfig config : List.of(new ResNetConfig(1, 5, 4, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1)),
                ViTConfig.of(8, 4, 5, 16, 1, 2).withInChannels(1))) {
            Path ckpt = dir.resolve(config.modelName() + "-" + device);
            try (ImageModel original = Models.create(config, new Generator(3)).to(device)) {
                Checkpoint.save(ckpt, original, null, CheckpointInfo.of(config.toJson(), "synthetic", 2, 3));
                try (ImageModel reopened = Checkpoint.openModel(ckpt, device);
                     Scope _ = Scope.open(); var _ = GradMode.noGrad()) {
                    assertEquals(config, reopened.config());
                    original.eval();
                    reopened.eval();
                    Tensor x = Tensor.randn(Shape.of(2, 1, 8, 8), new Generator(9), device);
                    assertArrayEquals(original.forward(x).toFloatArray(), reopened.forward(x).toFloatArray());
                }
            }
        }
    }

    @Test void aCheckpointWithoutAConfigSaysHowToLoadIt() throws IOException {
        Path file = dir.resolve("plain.safetensors");
        try (Linear l = new Linear(2, 2)) {
            ModelFiles.save(l, file, java.util.Map.of());
        }
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Checkpoint.openModel(file, Device.REF));
        assertTrue(e.getMessage().contains("plain.safetensors") && e.getMessage().contains("loadModel"), e.getMessage());
    }
}
