// Reads a Hugging Face ViT config.json (transformers' ViTConfig) into Lethe's ViTConfig, for HuggingFaceViT.config.
// Fields and HF's defaults: image_size 224, patch_size 16, num_channels 3, hidden_size 768, num_hidden_layers 12,
// num_attention_heads 12, intermediate_size 3072, hidden_act "gelu" (exact; the tanh forms are refused),
// qkv_bias true, hidden_dropout_prob 0 (-> dropout), attention_probs_dropout_prob 0 (-> attentionDropout),
// layer_norm_eps 1e-12; classes: the size of id2label, else num_labels, else HF's default 2. Other fields
// (architectures, initializer_range, encoder_stride, ...) are ignored; a model_type other than "vit" is an error.
package ai.lethe.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

final class HuggingFaceConfig {
    private HuggingFaceConfig() {}

    static ViTConfig read(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json == null ? "" : json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("HuggingFaceViT.config: not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("HuggingFaceViT.config: expected a JSON object");
        JsonNode type = root.get("model_type");
        if (type != null && !type.asText().equals("vit"))
            throw new IllegalArgumentException("HuggingFaceViT.config: model_type is " + type + ", not \"vit\"");
        String act = root.has("hidden_act") ? root.get("hidden_act").asText() : "gelu";
        if (!act.equals("gelu"))
            throw new IllegalArgumentException("HuggingFaceViT.config: hidden_act \"" + act
                    + "\" is not supported (Lethe's ViT uses the exact GELU, \"gelu\")");
        int dim = integer(root, "hidden_size", 768), intermediate = integer(root, "intermediate_size", 3072);
        double ratio = (double) intermediate / dim;
        if ((int) (dim * ratio) != intermediate)
            throw new IllegalArgumentException("HuggingFaceViT.config: intermediate_size " + intermediate
                    + " is not int(hidden_size·r) for any ratio r");
        int classes = root.has("id2label") ? root.get("id2label").size() : integer(root, "num_labels", 2);
        try {
            return new ViTConfig(size(root, "image_size", 224), size(root, "patch_size", 16), integer(root, "num_channels", 3), classes, dim,
                    integer(root, "num_hidden_layers", 12), integer(root, "num_attention_heads", 12), ratio, bool(root, "qkv_bias", true),
                    number(root, "hidden_dropout_prob", 0), number(root, "attention_probs_dropout_prob", 0), number(root, "layer_norm_eps", 1e-12));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("HuggingFaceViT.config: " + e.getMessage(), e);
        }
    }

    private static JsonNode field(JsonNode root, String name) {
        JsonNode v = root.get(name);
        return v == null || v.isNull() ? null : v;
    }

    private static int integer(JsonNode root, String name, int fallback) {
        JsonNode v = field(root, name);
        if (v == null) return fallback;
        if (!v.isIntegralNumber() || !v.canConvertToInt())
            throw new IllegalArgumentException("HuggingFaceViT.config: " + name + " must be an integer, got " + v);
        return v.intValue();
    }

    /** An image or patch size: an integer, or a square [h, w]. */
    private static int size(JsonNode root, String name, int fallback) {
        JsonNode v = field(root, name);
        if (v != null && v.isArray() && v.size() == 2 && v.get(0).equals(v.get(1)) && v.get(0).canConvertToInt()) return v.get(0).intValue();
        if (v != null && v.isArray())
            throw new IllegalArgumentException("HuggingFaceViT.config: " + name + " must be square, got " + v);
        return integer(root, name, fallback);
    }

    private static double number(JsonNode root, String name, double fallback) {
        JsonNode v = field(root, name);
        if (v == null) return fallback;
        if (!v.isNumber()) throw new IllegalArgumentException("HuggingFaceViT.config: " + name + " must be a number, got " + v);
        return v.doubleValue();
    }

    private static boolean bool(JsonNode root, String name, boolean fallback) {
        JsonNode v = field(root, name);
        if (v == null) return fallback;
        if (!v.isBoolean()) throw new IllegalArgumentException("HuggingFaceViT.config: " + name + " must be true or false, got " + v);
        return v.booleanValue();
    }
}
