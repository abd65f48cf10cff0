// Models.create builds the model each config names, parameterCount agrees with the built module and with
// torchvision's and timm's published counts, and describe says what a config builds.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.lethe.models.ResNetConfig.Stem;
import ai.lethe.tensor.Generator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelsTest {
    @Test
    void createBuildsTheConfiguredModel() {
        try (ImageModel r = Models.create(ResNetConfig.resnet18(10).withWidth(4), new Generator(1));
             ImageModel v = Models.create(ViTConfig.of(16, 4, 10, 16, 1, 2))) {
            assertInstanceOf(ResNet.class, r);
            assertInstanceOf(VisionTransformer.class, v);
            assertEquals(Models.parameterCount(r.config()), r.numParameters());
            assertEquals(Models.parameterCount(v.config()), v.numParameters());
        }
        assertThrows(IllegalArgumentException.class, () -> Models.create(null));
    }

    @Test
    void parameterCountsMatchTorchvisionAndTimm() {
        assertEquals(11_689_512, Models.parameterCount(ResNetConfig.resnet18(1000).withStem(Stem.IMAGENET)));   // torchvision resnet18
        assertEquals(21_797_672, Models.parameterCount(ResNetConfig.resnet34(1000).withStem(Stem.IMAGENET)));   // torchvision resnet34
        assertEquals(11_173_962, Models.parameterCount(ResNetConfig.resnet18(10)));                             // CIFAR ResNet18
        assertEquals(5_717_416, Models.parameterCount(ViTConfig.tiny(224, 16, 1000)));                         // vit_tiny_patch16_224
        assertEquals(22_050_664, Models.parameterCount(ViTConfig.small(224, 16, 1000)));                       // vit_small_patch16_224
        assertEquals(86_567_656, Models.parameterCount(ViTConfig.base(224, 16, 1000)));                        // vit_base_patch16_224
    }

    @Test
    void describeSaysWhatAConfigBuilds() {
        assertEquals(List.of(
                        "resnet18 (cifar stem, width 64), 3→10: 11,173,962 parameters",
                        "resnet (imagenet stem, width 4, blocks [1, 1, 1, 1]), 1→2: " + String.format("%,d",
                                Models.parameterCount(new ResNetConfig(1, 2, 4, Stem.IMAGENET, List.of(1, 1, 1, 1)))) + " parameters",
                        "vit (224px, patch 16, dim 768, depth 12, heads 12), 3→1000: 86,567,656 parameters",
                        "vit (32px, patch 4, dim 192, depth 12, heads 3), 3→features: 5,360,832 parameters"),
                List.of(Models.describe(ResNetConfig.resnet18(10)),
                        Models.describe(new ResNetConfig(1, 2, 4, Stem.IMAGENET, List.of(1, 1, 1, 1))),
                        Models.describe(ViTConfig.base(224, 16, 1000)),
                        Models.describe(ViTConfig.tiny(32, 4, 0))));
    }
}
