// Model configs: JSON round trips (both models, presets, every option), the exact JSON form, defaults of
// optional fields, and the errors for bad JSON and bad values, each naming the model and the field.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.models.ResNetConfig.Stem;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelConfigTest {
    static Stream<ModelConfig> configs() {
        return Stream.of(
                ResNetConfig.resnet18(10),
                ResNetConfig.resnet18(100).withStem(Stem.IMAGENET),
                ResNetConfig.resnet18(10).withWidth(16).withInChannels(1),
                ResNetConfig.resnet34(20),
                ResNetConfig.resnet18(7).withBlocks(List.of(1, 2, 1, 3)).withWidth(4),
                ViTConfig.tiny(32, 4, 10),
                ViTConfig.small(224, 16, 1000),
                ViTConfig.base(224, 16, 1000),
                ViTConfig.of(16, 4, 0, 32, 2, 4).withInChannels(1).withMlpRatio(2.5).withQkvBias(false)
                        .withDropout(0.1).withAttentionDropout(0.05).withLayerNormEps(1e-12));
    }

    @ParameterizedTest @MethodSource("configs")
    void roundTripsThroughJson(ModelConfig config) {
        String json = config.toJson();
        assertEquals(config, ModelConfig.fromJson(json), json);
        assertEquals(json, ModelConfig.fromJson(json).toJson());
        assertTrue(json.startsWith("{\"model\":\"" + config.modelName() + "\""), json);
    }

    @Test
    void jsonFormIsStable() {
        assertEquals("{\"model\":\"resnet18\",\"inChannels\":3,\"numClasses\":10,\"width\":64,\"stem\":\"cifar\"}",
                ResNetConfig.resnet18(10).toJson());
        assertEquals("{\"model\":\"resnet\",\"inChannels\":3,\"numClasses\":7,\"width\":4,\"stem\":\"imagenet\",\"blocks\":[1,2,1,3]}",
                new ResNetConfig(3, 7, 4, Stem.IMAGENET, List.of(1, 2, 1, 3)).toJson());
        assertEquals("{\"model\":\"vit\",\"imageSize\":32,\"patchSize\":4,\"inChannels\":3,\"numClasses\":10,\"dim\":192,\"depth\":12,"
                + "\"heads\":3,\"mlpRatio\":4.0,\"qkvBias\":true,\"dropout\":0.0,\"attentionDropout\":0.0,\"layerNormEps\":1.0E-6}",
                ViTConfig.tiny(32, 4, 10).toJson());
    }

    @Test
    void optionalFieldsTakeTheirDefaults() {
        assertEquals(ResNetConfig.resnet18(10), ModelConfig.fromJson("{\"model\":\"resnet18\",\"numClasses\":10}"));
        assertEquals(ResNetConfig.resnet34(10).withStem(Stem.IMAGENET),
                ModelConfig.fromJson("{\"numClasses\":10,\"stem\":\"ImageNet\",\"model\":\"resnet34\"}"));
        assertEquals(ResNetConfig.resnet18(10), ModelConfig.fromJson("{\"model\":\"resnet18\",\"numClasses\":10,\"blocks\":[2,2,2,2]}"));
        assertEquals(ViTConfig.tiny(32, 4, 10),
                ModelConfig.fromJson("{\"model\":\"vit\",\"imageSize\":32,\"patchSize\":4,\"numClasses\":10,\"dim\":192,\"depth\":12,\"heads\":3}"));
        assertEquals(ViTConfig.tiny(32, 4, 10).withLayerNormEps(1e-12), ModelConfig.fromJson(
                "{\"model\":\"vit\",\"imageSize\":32,\"patchSize\":4,\"numClasses\":10,\"dim\":192,\"depth\":12,\"heads\":3,\"layerNormEps\":1e-12}"));
    }

    @Test
    void presetsAreTimmsSizes() {
        assertEquals(List.of(192, 12, 3), dims(ViTConfig.tiny(32, 4, 10)));
        assertEquals(List.of(384, 12, 6), dims(ViTConfig.small(32, 4, 10)));
        assertEquals(List.of(768, 12, 12), dims(ViTConfig.base(224, 16, 10)));
        ViTConfig t = ViTConfig.tiny(32, 4, 10);
        assertEquals(List.of(3, 4.0, true, 0.0, 0.0, 1e-6), List.of(t.inChannels(), t.mlpRatio(), t.qkvBias(), t.dropout(),
                t.attentionDropout(), t.layerNormEps()));
        assertEquals(List.of(8, 64, 768, 64), List.of(t.gridSize(), t.numPatches(), t.mlpHiddenDim(), t.headDim()));
        ResNetConfig r = ResNetConfig.resnet18(10);
        assertEquals(List.of(3, 64, Stem.CIFAR, List.of(2, 2, 2, 2)), List.of(r.inChannels(), r.width(), r.stem(), r.blocks()));
        assertEquals(List.of(16, 32, 64, 128), r.withWidth(16).stageWidths());
    }

    private static List<Integer> dims(ViTConfig c) { return List.of(c.dim(), c.depth(), c.heads()); }

    static Stream<Arguments> badJson() {
        return Stream.of(
                Arguments.of("{\"model\":\"resnet18\",", "model config: not valid JSON"),
                Arguments.of("[1, 2]", "model config: expected a JSON object"),
                Arguments.of("", "model config: expected a JSON object, got nothing"),
                Arguments.of("{\"numClasses\":10}", "model config: missing field 'model' (one of resnet18, resnet34, resnet, vit)"),
                Arguments.of("{\"model\":18}", "model config: field 'model' must be a string, got 18"),
                Arguments.of("{\"model\":\"resnet50\",\"numClasses\":10}", "model config: unknown model 'resnet50' (known: resnet18, resnet34, resnet, vit)"),
                Arguments.of("{\"model\":\"resnet18\"}", "model config (resnet18): missing field 'numClasses'"),
                Arguments.of("{\"model\":\"resnet\",\"numClasses\":10}", "model config (resnet): missing field 'blocks'"),
                Arguments.of("{\"model\":\"vit\",\"imageSize\":32,\"numClasses\":10,\"dim\":192,\"depth\":12,\"heads\":3}",
                        "model config (vit): missing field 'patchSize'"),
                Arguments.of("{\"model\":\"resnet18\",\"numClasses\":\"ten\"}", "model config (resnet18): field 'numClasses' must be an integer, got \"ten\""),
                Arguments.of("{\"model\":\"resnet18\",\"numClasses\":10.5}", "model config (resnet18): field 'numClasses' must be an integer, got 10.5"),
                Arguments.of("{\"model\":\"resnet18\",\"numClasses\":10,\"width\":null}", "model config (resnet18): field 'width' must be an integer, got null"),
                Arguments.of("{\"model\":\"resnet18\",\"numClasses\":10,\"stem\":\"tiny\"}",
                        "model config (resnet18): field 'stem' must be \"cifar\" or \"imagenet\", got \"tiny\""),
                Arguments.of("{\"model\":\"resnet18\",\"numClasses\":10,\"blocks\":[3,4,6,3]}",
                        "model config (resnet18): field 'blocks' [3, 4, 6, 3] contradicts model 'resnet18'"),
                Arguments.of("{\"model\":\"resnet\",\"numClasses\":10,\"blocks\":[1,\"2\",1,1]}",
                        "model config (resnet): field 'blocks' must be an array of integers"),
                Arguments.of("{\"model\":\"resnet18\",\"numClasses\":10,\"widht\":16}",
                        "model config (resnet18): unknown field 'widht' (fields: model, inChannels, numClasses, width, stem, blocks)"),
                Arguments.of("{\"model\":\"resnet18\",\"numClasses\":10,\"numClasses\":11}", "model config: not valid JSON: Duplicate field 'numClasses'"),
                Arguments.of("{\"model\":\"resnet18\",\"numClasses\":0}", "model config (resnet18): ResNetConfig: numClasses must be positive, got 0"),
                Arguments.of("{\"model\":\"vit\",\"imageSize\":30,\"patchSize\":4,\"numClasses\":10,\"dim\":192,\"depth\":12,\"heads\":3}",
                        "model config (vit): ViTConfig: imageSize 30 is not divisible by patchSize 4"),
                Arguments.of("{\"model\":\"vit\",\"imageSize\":32,\"patchSize\":4,\"numClasses\":10,\"dim\":192,\"depth\":12,\"heads\":5}",
                        "model config (vit): ViTConfig: dim 192 is not divisible by heads 5"),
                Arguments.of("{\"model\":\"vit\",\"imageSize\":32,\"patchSize\":4,\"numClasses\":10,\"dim\":192,\"depth\":12,\"heads\":3,\"qkvBias\":1}",
                        "model config (vit): field 'qkvBias' must be true or false, got 1"),
                Arguments.of("{\"model\":\"vit\",\"imageSize\":32,\"patchSize\":4,\"numClasses\":10,\"dim\":192,\"depth\":12,\"heads\":3,\"dropout\":\"0\"}",
                        "model config (vit): field 'dropout' must be a number, got \"0\""),
                Arguments.of("{\"model\":\"vit\",\"imageSize\":32,\"patchSize\":4,\"numClasses\":10,\"dim\":192,\"depth\":12,\"heads\":3,\"dropout\":1.5}",
                        "model config (vit): ViTConfig: dropout must be in [0, 1), got 1.5"));
    }

    @ParameterizedTest @MethodSource("badJson")
    void badJsonFailsClearly(String json, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(json));
        assertTrue(e.getMessage().startsWith(message), "message: " + e.getMessage());
    }

    @Test
    void recordsValidateTheirFields() {
        assertMessage("ResNetConfig: inChannels must be positive, got 0", () -> new ResNetConfig(0, 10, 64, Stem.CIFAR, List.of(2, 2, 2, 2)));
        assertMessage("ResNetConfig: width must be positive, got -1", () -> ResNetConfig.resnet18(10).withWidth(-1));
        assertMessage("ResNetConfig: stem must be CIFAR or IMAGENET, got null", () -> ResNetConfig.resnet18(10).withStem(null));
        assertMessage("ResNetConfig: blocks must hold 4 block counts (one per stage), got [2, 2, 2]",
                () -> ResNetConfig.resnet18(10).withBlocks(List.of(2, 2, 2)));
        assertMessage("ResNetConfig: blocks must be positive, got [2, 0, 2, 2]", () -> ResNetConfig.resnet18(10).withBlocks(List.of(2, 0, 2, 2)));
        assertMessage("ViTConfig: imageSize 30 is not divisible by patchSize 4", () -> ViTConfig.tiny(30, 4, 10));
        assertMessage("ViTConfig: patchSize must be positive, got 0", () -> ViTConfig.tiny(32, 0, 10));
        assertMessage("ViTConfig: numClasses must be >= 0 (0: no head), got -1", () -> ViTConfig.tiny(32, 4, -1));
        assertMessage("ViTConfig: dim 30 is not divisible by heads 4", () -> ViTConfig.of(32, 4, 10, 30, 2, 4));
        assertMessage("ViTConfig: depth must be positive, got 0", () -> ViTConfig.of(32, 4, 10, 32, 0, 4));
        assertMessage("ViTConfig: mlpRatio must be positive", () -> ViTConfig.tiny(32, 4, 10).withMlpRatio(0));
        assertMessage("ViTConfig: attentionDropout must be in [0, 1), got -0.1", () -> ViTConfig.tiny(32, 4, 10).withAttentionDropout(-0.1));
        assertMessage("ViTConfig: layerNormEps must be positive, got 0.0", () -> ViTConfig.tiny(32, 4, 10).withLayerNormEps(0));
    }

    private static void assertMessage(String start, org.junit.jupiter.api.function.Executable body) {
        var e = assertThrows(IllegalArgumentException.class, body);
        assertTrue(e.getMessage().startsWith(start), "message: " + e.getMessage());
    }
}
