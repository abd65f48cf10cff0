// A Fisher map saves and loads bit-exactly with its kind and sample count, and refuses to pair with a model
// whose parameter names or shapes differ (every mismatch listed); computing one leaves the model as it was.
package ai.lethe.fisher;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FisherMapTest {
    @TempDir Path dir;

    @Test void savesAndLoadsExactly() throws Exception {
        try (ImageModel m = PerSampleFisherTest.model(PerSampleFisherTest.RESNET, Device.REF);
             FisherMap f = FisherDiagonal.compute(m, PerSampleFisherTest.loader(PerSampleFisherTest.DATA.train(), 16, Device.REF),
                     FisherKind.PER_SAMPLE)) {
            Path file = dir.resolve("fisher.safetensors");
            f.save(file);
            try (FisherMap back = FisherMap.load(file, m)) {
                assertEquals(FisherKind.PER_SAMPLE, back.kind());
                assertEquals(64, back.samples());
                for (String k : f.names()) assertArrayEquals(f.get(k).toFloatArray(), back.get(k).toFloatArray(), k);
            }
            try (ImageModel other = Models.create(new ResNetConfig(3, 4, 2, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1)), new Generator(1))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FisherMap.load(file, other));
                assertTrue(e.getMessage().contains("fc.weight") && e.getMessage().contains("fisher.safetensors"), e.getMessage());
            }
            try (ImageModel vit = Models.create(PerSampleFisherTest.VIT)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.checkMatches(vit));
                assertTrue(e.getMessage().contains("missing 'cls_token'") && e.getMessage().contains("unexpected 'conv1.weight'"), e.getMessage());
            }
        }
    }

    @Test void theModelIsLeftAsItWas() {
        try (ImageModel m = PerSampleFisherTest.model(PerSampleFisherTest.RESNET, Device.REF)) {
            DataLoader loader = PerSampleFisherTest.loader(PerSampleFisherTest.DATA.train(), 8, Device.REF);
            try (FisherMap f = FisherDiagonal.compute(m, loader, FisherKind.PER_SAMPLE)) {
                assertTrue(m.isTraining(), "the model's mode is restored");
                assertNull(m.parameters().getFirst().grad(), "gradients are dropped");
                assertTrue(m.parameters().getFirst().requiresGrad(), "requiresGrad is restored");
            }
        }
    }
}
