// HuggingFaceViT against the fixture's HF-named weights (ViTForImageClassification names, q/k/v split out of
// timm's qkv by model_fixtures.py, whose HF-style forward reproduces the timm logits): toTimm gives the timm
// state dict exactly and in timm's order, fromTimm gives the HF one exactly and in HF's order, the "vit."
// prefix is optional, the pooler and mask token are reported unused, and bad keys fail naming the key.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HuggingFaceViTTest {
    private static final FixtureReader GOLDEN = FixtureReader.read("/models/vit_golden.safetensors");
    private static final FixtureReader HF = FixtureReader.read("/models/vit_hf.safetensors");

    private static void assertSameTensors(Map<String, FixtureReader.Entry> expected, Map<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "keys and order");
        for (var e : expected.entrySet()) {
            Tensor t = actual.get(e.getKey());
            assertArrayEquals(e.getValue().shape(), t.shape().dims(), e.getKey());
            assertArrayEquals(e.getValue().values(), t.toDoubleArray(), e.getKey());
        }
    }

    @Test
    void toTimmReproducesTheTimmStateDict() {
        try (Scope _ = Scope.open()) {
            var c = HuggingFaceViT.toTimm(HF.tensors("", Device.REF));
            assertSameTensors(GOLDEN.withPrefix("state."), c.stateDict());
            assertEquals(List.of(), c.unused());
        }
    }

    @Test
    void fromTimmInvertsIt() {
        try (Scope _ = Scope.open()) {
            Map<String, Tensor> timm = GOLDEN.tensors("state.", Device.REF);
            assertSameTensors(HF.withPrefix(""), HuggingFaceViT.fromTimm(timm));
            Map<String, Tensor> noPrefix = HuggingFaceViT.fromTimm(timm, false);
            assertTrue(noPrefix.containsKey("embeddings.cls_token") && noPrefix.containsKey("classifier.weight"), noPrefix.keySet().toString());
            assertSameTensors(GOLDEN.withPrefix("state."), HuggingFaceViT.toTimm(noPrefix).stateDict());
            assertSameTensors(GOLDEN.withPrefix("state."), HuggingFaceViT.toTimm(HuggingFaceViT.fromTimm(timm)).stateDict());
        }
    }

    @Test
    void convertedWeightsLoadAndGiveTheGoldenLogits() {
        try (Scope _ = Scope.open();
             ImageModel m = Models.create(ModelConfig.fromJson(GOLDEN.metadata().get("config")))) {
            m.loadStateDict(HuggingFaceViT.toTimm(HF.tensors("", m.parameters().getFirst().device())).stateDict(), true);
            m.eval();
            RelativeError.assertClose("logits", GOLDEN.get("eval.logits"), m.forward(GOLDEN.get("input").toTensor(m.parameters().getFirst().device())),
                    GoldenTest.TOLERANCE);
        }
    }

    @Test
    void poolerAndMaskTokenAreReportedUnused() {
        try (Scope _ = Scope.open()) {
            Map<String, Tensor> hf = new LinkedHashMap<>();
            HF.tensors("", Device.REF).forEach((k, v) -> hf.put(k.replaceFirst("^vit\\.", ""), v));
            hf.put("pooler.dense.weight", Tensor.zeros(32, 32));
            hf.put("pooler.dense.bias", Tensor.zeros(32));
            hf.put("embeddings.mask_token", Tensor.zeros(1, 1, 32));
            var c = HuggingFaceViT.toTimm(hf);
            assertEquals(List.of("pooler.dense.weight", "pooler.dense.bias", "embeddings.mask_token"), c.unused());
            assertSameTensors(GOLDEN.withPrefix("state."), c.stateDict());
        }
    }

    @Test
    void badKeysFailNamingTheKey() {
        try (Scope _ = Scope.open()) {
            Map<String, Tensor> hf = new LinkedHashMap<>(HF.tensors("", Device.REF));
            hf.put("vit.encoder.layer.0.attention.attention.qurey.weight", Tensor.zeros(32, 32));
            var e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceViT.toTimm(hf));
            assertTrue(e.getMessage().contains("unknown key 'vit.encoder.layer.0.attention.attention.qurey.weight'"), e.getMessage());

            Map<String, Tensor> noKey = new LinkedHashMap<>(HF.tensors("", Device.REF));
            noKey.remove("vit.encoder.layer.1.attention.attention.key.bias");
            e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceViT.toTimm(noKey));
            assertEquals("HuggingFaceViT.toTimm: blocks.1.attn.qkv.bias needs query, key and value; the state dict has no "
                    + "'vit.encoder.layer.1.attention.attention.key.bias'", e.getMessage());

            Map<String, Tensor> twice = new LinkedHashMap<>(HF.tensors("", Device.REF));
            twice.put("layernorm.weight", twice.get("vit.layernorm.weight"));
            e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceViT.toTimm(twice));
            assertTrue(e.getMessage().contains("'layernorm.weight' maps to 'norm.weight'"), e.getMessage());

            Map<String, Tensor> timm = new LinkedHashMap<>(GOLDEN.tensors("state.", Device.REF));
            timm.put("blocks.0.ls1.gamma", Tensor.ones(32));
            e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceViT.fromTimm(timm));
            assertTrue(e.getMessage().contains("unknown key 'blocks.0.ls1.gamma'"), e.getMessage());

            Map<String, Tensor> badQkv = new LinkedHashMap<>(GOLDEN.tensors("state.", Device.REF));
            badQkv.put("blocks.0.attn.qkv.bias", Tensor.zeros(95));
            e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceViT.fromTimm(badQkv));
            assertTrue(e.getMessage().contains("'blocks.0.attn.qkv.bias' has shape [95]"), e.getMessage());
        }
    }

    @Test
    void configJsonGivesTheViTConfig() {
        String base = """
                {"architectures": ["ViTForImageClassification"], "attention_probs_dropout_prob": 0.0, "encoder_stride": 16,
                 "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "hidden_size": 768, "id2label": {"0": "a", "1": "b", "2": "c"},
                 "image_size": 224, "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-12,
                 "model_type": "vit", "num_attention_heads": 12, "num_channels": 3, "num_hidden_layers": 12, "patch_size": 16,
                 "qkv_bias": true, "torch_dtype": "float32", "transformers_version": "4.40.0"}""";
        assertEquals(ViTConfig.base(224, 16, 3).withLayerNormEps(1e-12), HuggingFaceViT.config(base));
        assertEquals(new ViTConfig(32, 4, 1, 10, 32, 2, 2, 4.0, false, 0.1, 0.0, 1e-6), HuggingFaceViT.config("""
                {"model_type": "vit", "image_size": 32, "patch_size": 4, "num_channels": 1, "num_labels": 10, "hidden_size": 32,
                 "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128, "qkv_bias": false,
                 "hidden_dropout_prob": 0.1, "layer_norm_eps": 1e-6}"""));
        var e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceViT.config(base.replace("\"gelu\"", "\"gelu_new\"")));
        assertTrue(e.getMessage().contains("hidden_act \"gelu_new\" is not supported"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceViT.config(base.replace("\"image_size\": 224", "\"image_size\": 220")));
        assertEquals("HuggingFaceViT.config: ViTConfig: imageSize 220 is not divisible by patchSize 16", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceViT.config("{\"model_type\": \"deit\"}"));
        assertEquals("HuggingFaceViT.config: model_type is \"deit\", not \"vit\"", e.getMessage());
    }
}
