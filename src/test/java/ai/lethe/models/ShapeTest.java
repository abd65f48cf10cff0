// Forward shapes of both models for both stems, several image sizes, channel counts and batch sizes, the
// features the heads read, and the errors for inputs the model cannot take.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Shape;
import ai.lethe.models.ResNetConfig.Stem;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ShapeTest {
    static Stream<Arguments> cases() {
        ResNetConfig small = ResNetConfig.resnet18(10).withWidth(4);
        return Stream.of(
                Arguments.of(small, 2, 32, 32),
                Arguments.of(small.withInChannels(1), 3, 28, 28),
                Arguments.of(small.withNumClasses(100), 1, 8, 12),
                Arguments.of(small.withStem(Stem.IMAGENET), 2, 64, 64),
                Arguments.of(small.withStem(Stem.IMAGENET).withNumClasses(5), 2, 33, 17),
                Arguments.of(small.withBlocks(ResNetConfig.RESNET34_BLOCKS), 2, 16, 16),
                Arguments.of(ViTConfig.of(32, 4, 10, 16, 2, 2), 2, 32, 32),
                Arguments.of(ViTConfig.of(28, 7, 10, 16, 1, 4).withInChannels(1), 3, 28, 28),
                Arguments.of(ViTConfig.of(16, 16, 3, 8, 1, 1), 1, 16, 16),
                Arguments.of(ViTConfig.of(16, 4, 0, 16, 1, 2), 2, 16, 16));
    }

    @ParameterizedTest @MethodSource("cases")
    void forwardGivesOneRowOfLogitsPerImage(ModelConfig config, int batch, int h, int w) {
        try (ImageModel m = Models.create(config, new Generator(1)); Scope _ = Scope.open("shapes")) {
            Tensor x = Tensor.randn(Shape.of(batch, config.inChannels(), h, w), new Generator(2));
            int featureDim = switch (config) {
                case ResNetConfig r -> r.featureDim();
                case ViTConfig v -> v.dim();
            };
            int outputs = config.numClasses() > 0 ? config.numClasses() : featureDim;
            assertEquals(Shape.of(batch, outputs), m.forward(x).shape());
            assertEquals(Shape.of(batch, featureDim), m.features(x).shape());
            m.eval();
            assertEquals(Shape.of(batch, outputs), m.forward(x).shape());
            assertEquals(config, m.config());
        }
    }

    @Test
    void vitForwardFeaturesKeepsEveryToken() {
        ViTConfig c = ViTConfig.of(16, 4, 10, 16, 1, 2);
        try (VisionTransformer m = new VisionTransformer(c, new Generator(3)); Scope _ = Scope.open()) {
            assertEquals(Shape.of(2, 17, 16), m.forwardFeatures(Tensor.randn(Shape.of(2, 3, 16, 16), new Generator(4))).shape());
        }
    }

    @Test
    void wrongInputsFailWithTheExpectedShape() {
        try (ImageModel r = Models.create(ResNetConfig.resnet18(10).withWidth(4));
             ImageModel v = Models.create(ViTConfig.of(16, 4, 10, 16, 1, 2));
             Scope _ = Scope.open()) {
            var e = assertThrows(IllegalArgumentException.class, () -> r.forward(Tensor.zeros(2, 1, 16, 16)));
            assertEquals("ResNet: expected images [N, 3, H, W], got shape [2, 1, 16, 16]", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> v.forward(Tensor.zeros(3, 16, 16)));
            assertEquals("VisionTransformer: expected images [N, 3, H, W], got shape [3, 16, 16]", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> v.forward(Tensor.zeros(1, 3, 32, 32)));
            assertEquals("PatchEmbed: input image size 32x32 doesn't match the model's (16x16)", e.getMessage());
        }
    }

    @Test
    void vitWithImageNotDivisibleByPatchFailsAtConfigTime() {
        var e = assertThrows(IllegalArgumentException.class, () -> ViTConfig.of(30, 4, 10, 16, 1, 2));
        assertEquals("ViTConfig: imageSize 30 is not divisible by patchSize 4", e.getMessage());
    }

    @Test
    void closedModelsRefuseWork() {
        ImageModel m = Models.create(ResNetConfig.resnet18(10).withWidth(4));
        m.close();
        try (Scope _ = Scope.open()) {
            var e = assertThrows(IllegalStateException.class, () -> m.forward(Tensor.zeros(1, 3, 8, 8)));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        assertTrue(m.isClosed());
    }
}
