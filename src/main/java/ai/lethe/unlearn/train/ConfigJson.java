// Writes a method's configuration (its name and every hyper-parameter) as one JSON object.
package ai.lethe.unlearn.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.LinkedHashMap;
import java.util.Map;

final class ConfigJson {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ConfigJson() {}

    static String of(String method, Map<String, Object> fields) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("method", method);
        all.putAll(fields);
        try {
            return JSON.writeValueAsString(all);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(method + ": cannot write the configuration as JSON: " + e.getMessage(), e);
        }
    }

    /** {@code base} followed by {@code more} (key, value, key, value, ...). */
    static Map<String, Object> with(Map<String, Object> base, Object... more) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        for (int i = 0; i < more.length; i += 2) m.put((String) more[i], more[i + 1]);
        return m;
    }
}
