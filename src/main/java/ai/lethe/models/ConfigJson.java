// JSON form of the model configs, through Jackson's tree model: one object, "model" first, then every field of
// the record under its Java name, e.g.
//   {"model":"resnet18","inChannels":3,"numClasses":10,"width":64,"stem":"cifar"}
//   {"model":"vit","imageSize":32,"patchSize":4,"inChannels":3,"numClasses":10,"dim":192,"depth":12,"heads":3,
//    "mlpRatio":4.0,"qkvBias":true,"dropout":0.0,"attentionDropout":0.0,"layerNormEps":1.0E-6}
// "resnet18"/"resnet34" imply their blocks; "resnet" carries "blocks":[b1,b2,b3,b4]. Reading, optional fields
// take the records' defaults (ResNet: inChannels 3, width 64, stem cifar; ViT: inChannels 3, mlpRatio 4,
// qkvBias true, dropouts 0, layerNormEps 1e-6); unknown and duplicate fields are errors, as are wrong types.
package ai.lethe.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

final class ConfigJson {
    private ConfigJson() {}

    static final List<String> MODELS = List.of("resnet18", "resnet34", "resnet", "vit");

    private static final JsonMapper MAPPER = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    // ---- writing ----------------------------------------------------------------------------------------

    static String write(ModelConfig config) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("model", config.modelName());
        switch (config) {
            case ResNetConfig r -> {
                o.put("inChannels", r.inChannels()).put("numClasses", r.numClasses()).put("width", r.width())
                        .put("stem", r.stem().jsonName());
                if (r.modelName().equals("resnet")) {
                    ArrayNode blocks = o.putArray("blocks");
                    r.blocks().forEach(blocks::add);
                }
            }
            case ViTConfig v -> o.put("imageSize", v.imageSize()).put("patchSize", v.patchSize()).put("inChannels", v.inChannels())
                    .put("numClasses", v.numClasses()).put("dim", v.dim()).put("depth", v.depth()).put("heads", v.heads())
                    .put("mlpRatio", v.mlpRatio()).put("qkvBias", v.qkvBias()).put("dropout", v.dropout())
                    .put("attentionDropout", v.attentionDropout()).put("layerNormEps", v.layerNormEps());
        }
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("model config: could not write JSON", e);
        }
    }

    // ---- reading ----------------------------------------------------------------------------------------

    static ModelConfig read(String json) {
        if (json == null) throw new IllegalArgumentException("model config: JSON text must not be null");
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("model config: not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject())
            throw new IllegalArgumentException("model config: expected a JSON object, got " + (root == null || root.isMissingNode() ? "nothing" : root));
        JsonNode model = root.get("model");
        if (model == null) throw new IllegalArgumentException("model config: missing field 'model' (one of " + String.join(", ", MODELS) + ")");
        if (!model.isTextual()) throw new IllegalArgumentException("model config: field 'model' must be a string, got " + model);
        String name = model.asText();
        if (!MODELS.contains(name))
            throw new IllegalArgumentException("model config: unknown model '" + name + "' (known: " + String.join(", ", MODELS) + ")");
        Fields f = new Fields(root);
        try {
            ModelConfig config = name.equals("vit") ? readViT(f) : readResNet(name, f);
            f.rejectUnknown();
            return config;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model config (" + name + "): " + e.getMessage(), e);
        }
    }

    private static ResNetConfig readResNet(String name, Fields f) {
        int inChannels = f.optionalInt("inChannels", 3);
        int numClasses = f.requiredInt("numClasses");
        int width = f.optionalInt("width", 64);
        ResNetConfig.Stem stem = f.optionalStem("stem", ResNetConfig.Stem.CIFAR);
        List<Integer> preset = switch (name) {
            case "resnet18" -> ResNetConfig.RESNET18_BLOCKS;
            case "resnet34" -> ResNetConfig.RESNET34_BLOCKS;
            default -> null;
        };
        List<Integer> blocks = preset == null ? f.requiredIntList("blocks") : f.optionalIntList("blocks", preset);
        if (preset != null && !blocks.equals(preset))
            throw new IllegalArgumentException("field 'blocks' " + blocks + " contradicts model '" + name + "' (blocks " + preset
                    + "); use \"model\":\"resnet\" for other block counts");
        return new ResNetConfig(inChannels, numClasses, width, stem, blocks);
    }

    private static ViTConfig readViT(Fields f) {
        return new ViTConfig(f.requiredInt("imageSize"), f.requiredInt("patchSize"), f.optionalInt("inChannels", 3),
                f.requiredInt("numClasses"), f.requiredInt("dim"), f.requiredInt("depth"), f.requiredInt("heads"),
                f.optionalDouble("mlpRatio", ViTConfig.DEFAULT_MLP_RATIO), f.optionalBoolean("qkvBias", true),
                f.optionalDouble("dropout", 0), f.optionalDouble("attentionDropout", 0),
                f.optionalDouble("layerNormEps", ViTConfig.DEFAULT_LAYER_NORM_EPS));
    }

    /** The fields of one object, remembering which were read so the rest can be reported as unknown. */
    private static final class Fields {
        private final JsonNode root;
        private final Set<String> read = new LinkedHashSet<>(List.of("model"));

        Fields(JsonNode root) { this.root = root; }

        private JsonNode get(String field) {
            read.add(field);
            return root.get(field);
        }

        private static IllegalArgumentException wrongType(String field, String expected, JsonNode value) {
            return new IllegalArgumentException("field '" + field + "' must be " + expected + ", got " + value);
        }

        int requiredInt(String field) {
            JsonNode v = get(field);
            if (v == null) throw new IllegalArgumentException("missing field '" + field + "'");
            return toInt(field, v);
        }

        int optionalInt(String field, int fallback) {
            JsonNode v = get(field);
            return v == null ? fallback : toInt(field, v);
        }

        private static int toInt(String field, JsonNode v) {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw wrongType(field, "an integer", v);
            return v.intValue();
        }

        double optionalDouble(String field, double fallback) {
            JsonNode v = get(field);
            if (v == null) return fallback;
            if (!v.isNumber()) throw wrongType(field, "a number", v);
            return v.doubleValue();
        }

        boolean optionalBoolean(String field, boolean fallback) {
            JsonNode v = get(field);
            if (v == null) return fallback;
            if (!v.isBoolean()) throw wrongType(field, "true or false", v);
            return v.booleanValue();
        }

        ResNetConfig.Stem optionalStem(String field, ResNetConfig.Stem fallback) {
            JsonNode v = get(field);
            if (v == null) return fallback;
            if (v.isTextual())
                for (ResNetConfig.Stem s : ResNetConfig.Stem.values())
                    if (s.jsonName().equals(v.asText().toLowerCase(Locale.ROOT))) return s;
            throw wrongType(field, "\"cifar\" or \"imagenet\"", v);
        }

        List<Integer> requiredIntList(String field) {
            JsonNode v = get(field);
            if (v == null) throw new IllegalArgumentException("missing field '" + field + "'");
            return toIntList(field, v);
        }

        List<Integer> optionalIntList(String field, List<Integer> fallback) {
            JsonNode v = get(field);
            return v == null ? fallback : toIntList(field, v);
        }

        private static List<Integer> toIntList(String field, JsonNode v) {
            if (!v.isArray()) throw wrongType(field, "an array of integers", v);
            List<Integer> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isIntegralNumber() || !e.canConvertToInt()) throw wrongType(field, "an array of integers", v);
                out.add(e.intValue());
            }
            return out;
        }

        void rejectUnknown() {
            List<String> unknown = new ArrayList<>();
            root.fieldNames().forEachRemaining(n -> { if (!read.contains(n)) unknown.add(n); });
            if (!unknown.isEmpty())
                throw new IllegalArgumentException("unknown field" + (unknown.size() > 1 ? "s " : " ") + "'" + String.join("', '", unknown)
                        + "' (fields: " + String.join(", ", read) + ")");
        }
    }
}
