// An optimizer's scalars (OptimizerState.scalars: lr, betas, step counts, parameter indices) as one JSON
// object for a safetensors metadata value. Finite values are JSON numbers, written so that parsing gives back the
// same double; NaN and ±infinity (not JSON numbers) are the strings "NaN", "Infinity", "-Infinity".
package ai.lethe.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

final class ScalarJson {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ScalarJson() {}

    static String write(Map<String, Double> scalars) {
        ObjectNode root = JSON.createObjectNode();
        scalars.forEach((k, v) -> {
            if (Double.isFinite(v)) root.put(k, v);
            else root.put(k, v.toString());
        });
        return root.toString();
    }

    /** Parses what {@link #write} wrote; a SafetensorsException naming {@code file} and {@code key} otherwise. */
    static Map<String, Double> read(String json, Path file, String key) throws SafetensorsException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, "metadata '" + key + "' is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new SafetensorsException(file, "metadata '" + key + "' is not a JSON object");
        Map<String, Double> out = new LinkedHashMap<>();
        for (var e : root.properties()) {
            JsonNode v = e.getValue();
            double d;
            if (v.isNumber()) d = v.doubleValue();
            else if (v.isTextual() && v.textValue().equals("NaN")) d = Double.NaN;
            else if (v.isTextual() && v.textValue().equals("Infinity")) d = Double.POSITIVE_INFINITY;
            else if (v.isTextual() && v.textValue().equals("-Infinity")) d = Double.NEGATIVE_INFINITY;
            else throw new SafetensorsException(file, "metadata '" + key + "': '" + e.getKey() + "' is " + v + ", not a number");
            out.put(e.getKey(), d);
        }
        return out;
    }
}
