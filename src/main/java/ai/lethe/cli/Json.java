// A tiny JSON writer for the CLI's --json output (no dependency): maps (in their iteration order), lists,
// strings, numbers, booleans and null, pretty-printed with two-space indentation.
package ai.lethe.cli;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

final class Json {
    private Json() {}

    /** The JSON text of {@code value}, ending with a newline. */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, 0);
        return sb.append('\n').toString();
    }

    private static void write(Object value, StringBuilder sb, int indent) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> quote(s, sb);
            case Boolean b -> sb.append(b);
            case Double d when d.isNaN() || d.isInfinite() -> sb.append("null");
            case Float f when f.isNaN() || f.isInfinite() -> sb.append("null");
            case Number n -> sb.append(n);
            case Map<?, ?> m -> container(m.entrySet(), '{', '}', sb, indent);
            case Collection<?> c -> container(c, '[', ']', sb, indent);
            default -> quote(value.toString(), sb);
        }
    }

    private static void container(Collection<?> items, char open, char close, StringBuilder sb, int indent) {
        sb.append(open);
        Iterator<?> it = items.iterator();
        if (!it.hasNext()) {
            sb.append(close);
            return;
        }
        sb.append('\n');
        while (it.hasNext()) {
            Object item = it.next();
            sb.repeat("  ", indent + 1);
            if (item instanceof Map.Entry<?, ?> e) {
                quote(String.valueOf(e.getKey()), sb);
                sb.append(": ");
                write(e.getValue(), sb, indent + 1);
            } else {
                write(item, sb, indent + 1);
            }
            sb.append(it.hasNext() ? ",\n" : "\n");
        }
        sb.repeat("  ", indent).append(close);
    }

    private static void quote(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
