// The CLI's --json output through Jackson: maps (in their iteration order), lists, strings, numbers, booleans and
// null, pretty-printed with two-space indentation and "key": value; non-finite numbers become null (JSON has no
// NaN); anything else is written as its toString().
package ai.lethe.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Map;

final class Json {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectWriter WRITER;

    static {
        DefaultIndenter twoSpaces = new DefaultIndenter("  ", "\n");
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("").withArrayEmptySeparator("");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(separators).withObjectIndenter(twoSpaces).withArrayIndenter(twoSpaces);
        WRITER = JsonMapper.builder().build().writer(printer);
    }

    private Json() {}

    /** The JSON text of {@code value}, ending with a newline. */
    static String write(Object value) {
        try {
            return WRITER.writeValueAsString(node(value)) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode node(Object value) {
        return switch (value) {
            case null -> NODES.nullNode();
            case String s -> NODES.textNode(s);
            case Boolean b -> NODES.booleanNode(b);
            case Double d when d.isNaN() || d.isInfinite() -> NODES.nullNode();
            case Float f when f.isNaN() || f.isInfinite() -> NODES.nullNode();
            case Double d -> NODES.numberNode(d);
            case Float f -> NODES.numberNode(f);
            case Long l -> NODES.numberNode(l);
            case Number n -> NODES.numberNode(n.longValue());
            case Map<?, ?> m -> {
                ObjectNode o = NODES.objectNode();
                m.forEach((k, v) -> o.set(String.valueOf(k), node(v)));
                yield o;
            }
            case Collection<?> c -> {
                ArrayNode a = NODES.arrayNode();
                c.forEach(v -> a.add(node(v)));
                yield a;
            }
            default -> NODES.textNode(value.toString());
        };
    }
}
