// The --json writer: nested maps and lists keep their order, strings are escaped, non-finite numbers are null, and
// the output parses (with Jackson, as any JSON reader would).
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test void writesNestedValuesThatParseBack() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t bell \u0007 é");
        m.put("n", 42);
        m.put("x", 1.5);
        m.put("nan", Double.NaN);
        m.put("t", true);
        m.put("nothing", null);
        m.put("list", List.of(1, "two", List.of(), Map.of()));
        String json = Json.write(m);
        assertTrue(json.endsWith("}\n"), json);
        Map<?, ?> back = new ObjectMapper().readValue(json, LinkedHashMap.class);
        assertEquals(List.copyOf(m.keySet()), List.copyOf(back.keySet()));
        assertEquals(m.get("s"), back.get("s"));
        assertEquals(42, back.get("n"));
        assertEquals(1.5, back.get("x"));
        assertNull(back.get("nan"));
        assertEquals(true, back.get("t"));
        assertTrue(back.containsKey("nothing"));
        assertEquals(List.of(1, "two", List.of(), Map.of()), back.get("list"));
    }

    @Test void prettyPrintsWithTwoSpaces() {
        assertEquals("{\n  \"a\": [\n    1\n  ]\n}\n", Json.write(Map.of("a", List.of(1))));
        assertEquals("[]\n", Json.write(List.of()));
    }
}
