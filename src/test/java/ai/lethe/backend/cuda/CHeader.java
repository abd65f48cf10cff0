// A reader of vendor C headers (cuda.h) just good enough to check FFM bindings against them: a small preprocessor
// (comments, line continuations, #if/#ifdef/#ifndef/#elif/#else/#endif over defined(X), !, &&, || and parentheses,
// with a given set of predefined macros; any other condition counts as false), the object-like #defines of the
// active text (expanded through one-parameter function-like macros such as __CUDA_API_PTSZ(api) -> api), the
// prototypes "<ret> <CONV> name(params);", typedefs (simple, enum and struct) and enum constants.
//
// C types map to FFM layouts as the bindings declare them (CudaDriver's header comment): pointers (and typedefs of
// pointers, i.e. opaque handles) -> ADDRESS; long long, size_t, uint64_t -> JAVA_LONG; int, unsigned, enums ->
// JAVA_INT; char -> JAVA_BYTE; short -> JAVA_SHORT; float, double; void -> no value. A struct passed by value
// has no mapping here (the check reports it).
package ai.lethe.backend.cuda;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class CHeader {
    /** One prototype: the name as written in the header, the symbol it declares after #define expansion. */
    record Prototype(String declaredName, String symbol, String returnType, List<String> params) {}

    private final Map<String, String> objectMacros = new HashMap<>();
    private final Map<String, String[]> functionMacros = new HashMap<>();  // name -> {param, body}
    private final Set<String> defined = new HashSet<>();
    private final Map<String, Prototype> bySymbol = new LinkedHashMap<>();
    private final Map<String, String> typedefs = new HashMap<>();  // name -> C type text ("enum", "struct" for bodies)
    private final Map<String, Map<String, Long>> enums = new HashMap<>();  // enum tag or typedef name -> constants
    private final Map<String, Long> constants = new HashMap<>();
    private final String active;

    private CHeader(String text, Set<String> predefined, String callingConvention) {
        defined.addAll(predefined);
        active = preprocess(stripComments(text.replace("\\\r\n", "").replace("\\\n", "")));
        readTypes();
        readPrototypes(callingConvention);
    }

    /** Reads a header with the given predefined macros; prototypes are "<ret> callingConvention name(params);". */
    static CHeader read(Path file, Set<String> predefined, String callingConvention) throws IOException {
        return read(List.of(file), predefined, callingConvention);
    }

    /** Reads headers as one text, in order (a header's own #includes are not followed: list them first). */
    static CHeader read(List<Path> files, Set<String> predefined, String callingConvention) throws IOException {
        StringBuilder text = new StringBuilder();
        for (Path f : files) text.append(Files.readString(f, StandardCharsets.ISO_8859_1)).append('\n');
        return new CHeader(text.toString(), predefined, callingConvention);
    }

    /** The macros a 64-bit Linux gcc predefines, as far as vendor headers test them. */
    static Set<String> linuxX86_64() { return Set.of("__GNUC__", "__linux__", "__x86_64__", "__LP64__", "__STDC__"); }

    // ---------------------------------------------------------------- queries

    /** Every prototype of the active text, by symbol. */
    java.util.Collection<Prototype> prototypes() { return bySymbol.values(); }

    /** The prototype declaring the symbol (after the header's #define versioning), if any. */
    Optional<Prototype> prototype(String symbol) { return Optional.ofNullable(bySymbol.get(symbol)); }

    /** The symbol an API name becomes through the header's #defines (itself when none applies). */
    String symbolOf(String name) {
        String s = name;
        for (int i = 0; i < 16; i++) {
            String r = objectMacros.get(s);
            if (r == null) return s;
            String next = expandCall(r.strip());
            if (!next.matches("\\w+")) return s;
            s = next;
        }
        return s;
    }

    /** The constants of the enum with that tag or typedef name (empty map when none). */
    Map<String, Long> enumConstants(String tagOrTypedef) { return enums.getOrDefault(tagOrTypedef, Map.of()); }

    /** Every enum constant of the active text. */
    Optional<Long> constant(String name) { return Optional.ofNullable(constants.get(name)); }

    /** The FFM layout of a C type (without a parameter name), or empty for void; an exception for unknown types. */
    Optional<MemoryLayout> layoutOf(String cType) {
        String t = cType.replaceAll("\\b(const|volatile|restrict|__restrict__|__restrict)\\b", " ").strip().replaceAll("\\s+", " ");
        if (t.contains("*") || t.contains("[")) return Optional.of(ValueLayout.ADDRESS);
        return resolve(t, 0);
    }

    /** The type of a parameter declaration ("unsigned int Flags" -> "unsigned int"); "void" stays "void". */
    static String parameterType(String param) {
        String p = param.strip().replaceAll("\\[\\s*\\w*\\s*\\]", "*");
        List<String> tokens = new ArrayList<>(List.of(p.replace("*", " * ").strip().split("\\s+")));
        String last = tokens.getLast();
        if (tokens.size() > 1 && last.matches("\\w+") && !KEYWORDS.contains(last)) tokens.removeLast();
        return String.join(" ", tokens);
    }

    private static final Set<String> KEYWORDS = Set.of("void", "char", "short", "int", "long", "float", "double",
            "unsigned", "signed", "const", "volatile", "struct", "enum");

    private Optional<MemoryLayout> resolve(String t, int depth) {
        if (depth > 32) throw new IllegalArgumentException("typedef cycle at " + t);
        if (t.contains("*")) return Optional.of(ValueLayout.ADDRESS);
        if (t.startsWith("enum")) return Optional.of(ValueLayout.JAVA_INT);
        if (t.startsWith("struct") || t.startsWith("union"))
            throw new IllegalArgumentException("a " + t + " by value has no FFM scalar layout");
        switch (t) {
            case "size_t", "uint64_t", "int64_t", "uintptr_t", "intptr_t", "ssize_t" -> { return Optional.of(ValueLayout.JAVA_LONG); }
            case "uint32_t", "int32_t" -> { return Optional.of(ValueLayout.JAVA_INT); }
            case "uint16_t", "int16_t" -> { return Optional.of(ValueLayout.JAVA_SHORT); }
            case "uint8_t", "int8_t" -> { return Optional.of(ValueLayout.JAVA_BYTE); }
            default -> { }
        }
        Set<String> words = new HashSet<>(List.of(t.split(" ")));
        if (KEYWORDS.containsAll(words)) {
            if (words.contains("void")) return Optional.empty();
            if (words.contains("char")) return Optional.of(ValueLayout.JAVA_BYTE);
            if (words.contains("short")) return Optional.of(ValueLayout.JAVA_SHORT);
            if (words.contains("long")) return Optional.of(ValueLayout.JAVA_LONG);  // LP64: long and long long
            if (words.contains("float")) return Optional.of(ValueLayout.JAVA_FLOAT);
            if (words.contains("double")) return Optional.of(ValueLayout.JAVA_DOUBLE);
            return Optional.of(ValueLayout.JAVA_INT);  // int, unsigned, signed, unsigned int
        }
        String def = typedefs.get(t);
        if (def == null) throw new IllegalArgumentException("unknown C type '" + t + "' (no typedef in the header)");
        return resolve(def, depth + 1);
    }

    // ---------------------------------------------------------------- reading

    private static String stripComments(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'') {  // a literal: copy to its end
                int j = i + 1;
                while (j < n && s.charAt(j) != c && s.charAt(j) != '\n') j += s.charAt(j) == '\\' ? 2 : 1;
                j = Math.min(j + 1, n);
                b.append(s, i, j);
                i = j;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (int k = i; k < end; k++) if (s.charAt(k) == '\n') b.append('\n');  // keep line structure
                b.append(' ');
                i = end;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                int end = s.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    private static final Pattern DIRECTIVE = Pattern.compile("^\\s*#\\s*(\\w+)\\s*(.*)$");
    private static final Pattern OBJECT_DEFINE = Pattern.compile("^(\\w+)(?:\\s+(.*))?$");
    private static final Pattern FUNCTION_DEFINE = Pattern.compile("^(\\w+)\\(\\s*(\\w+)\\s*\\)\\s*(.*)$");

    /** The text of the active branches, directives removed; records #defines met on the way. */
    private String preprocess(String text) {
        StringBuilder out = new StringBuilder(text.length());
        // per nesting level: {whether this branch is active, whether some branch of this #if was taken}
        Deque<boolean[]> stack = new ArrayDeque<>();
        for (String line : text.split("\n", -1)) {
            Matcher d = DIRECTIVE.matcher(line);
            boolean outerActive = stack.stream().allMatch(f -> f[0]);
            if (!d.matches()) {
                if (outerActive) out.append(line).append('\n');
                continue;
            }
            String kind = d.group(1), rest = d.group(2).strip();
            switch (kind) {
                case "if", "ifdef", "ifndef" -> {
                    boolean cond = switch (kind) {
                        case "ifdef" -> defined.contains(rest);
                        case "ifndef" -> !defined.contains(rest);
                        default -> evaluate(rest);
                    };
                    boolean enclosing = stack.stream().allMatch(f -> f[0]);
                    stack.push(new boolean[] {enclosing && cond, cond, enclosing});
                }
                case "elif" -> {
                    boolean[] f = stack.peek();
                    boolean cond = !f[1] && evaluate(rest);
                    f[0] = f[2] && cond;
                    f[1] |= cond;
                }
                case "else" -> {
                    boolean[] f = stack.peek();
                    f[0] = f[2] && !f[1];
                    f[1] = true;
                }
                case "endif" -> stack.pop();
                case "define" -> {
                    if (!outerActive) break;
                    Matcher fm = FUNCTION_DEFINE.matcher(rest);
                    if (fm.matches()) {
                        functionMacros.put(fm.group(1), new String[] {fm.group(2), fm.group(3).strip()});
                        defined.add(fm.group(1));
                    } else {
                        Matcher om = OBJECT_DEFINE.matcher(rest);
                        if (om.matches()) {
                            defined.add(om.group(1));
                            objectMacros.put(om.group(1), om.group(2) == null ? "" : om.group(2).strip());
                        }
                    }
                }
                case "undef" -> {
                    if (outerActive) {
                        defined.remove(rest);
                        objectMacros.remove(rest);
                        functionMacros.remove(rest);
                    }
                }
                default -> { }  // #include, #pragma, #error in inactive text
            }
        }
        return out.toString();
    }

    /** Expands "F(x)" through a one-parameter function-like macro (with ## pasting); other text is returned as is. */
    private String expandCall(String text) {
        Matcher m = Pattern.compile("^(\\w+)\\(\\s*(\\w+)\\s*\\)$").matcher(text);
        if (!m.matches() || !functionMacros.containsKey(m.group(1))) return text;
        String[] macro = functionMacros.get(m.group(1));
        return macro[1].replaceAll("\\b" + macro[0] + "\\b", m.group(2)).replaceAll("\\s*##\\s*", "").strip();
    }

    // a condition of defined(X), !, &&, || and parentheses; anything else (a comparison) is false
    private boolean evaluate(String expression) {
        String e = expression.replaceAll("defined\\s*\\(\\s*(\\w+)\\s*\\)", "defined $1");
        Matcher m = Pattern.compile("defined (\\w+)").matcher(e);
        StringBuilder b = new StringBuilder();
        while (m.find()) m.appendReplacement(b, defined.contains(m.group(1)) ? "1" : "0");
        m.appendTail(b);
        String s = b.toString().replaceAll("\\s+", "");
        if (!s.matches("[01!&|()]*")) return false;
        return new Object() {
            int i;

            boolean or() {
                boolean v = and();
                while (s.startsWith("||", i)) { i += 2; v = and() | v; }
                return v;
            }

            boolean and() {
                boolean v = unary();
                while (s.startsWith("&&", i)) { i += 2; v = unary() & v; }
                return v;
            }

            boolean unary() {
                if (s.charAt(i) == '!') { i++; return !unary(); }
                if (s.charAt(i) == '(') { i++; boolean v = or(); i++; return v; }
                return s.charAt(i++) == '1';
            }
        }.or();
    }

    private static final Pattern ENUM_TYPEDEF = Pattern.compile("typedef\\s+enum\\s*(\\w*)\\s*\\{([^}]*)\\}\\s*(\\w+)\\s*;");
    private static final Pattern ENUM_TAG = Pattern.compile("\\benum\\s+(\\w+)\\s*\\{([^}]*)\\}");
    private static final Pattern SIMPLE_TYPEDEF = Pattern.compile("typedef\\s+([^;{}()]+?)\\s*;");
    private static final Pattern STRUCT_TYPEDEF = Pattern.compile("typedef\\s+(struct|union)\\s*\\w*\\s*\\{");
    private static final Pattern FN_POINTER_TYPEDEF = Pattern.compile("typedef\\s+[^;{}]*?\\(\\s*(?:\\w+\\s+)?\\*\\s*(\\w+)\\s*\\)\\s*\\([^;{}]*\\)\\s*;");
    private static final Pattern ENUMERATOR = Pattern.compile("(\\w+)\\s*=\\s*(0x[0-9a-fA-F]+|-?\\d+)[uUlL]*\\s*(?=,|$)");

    private void readTypes() {
        Matcher m = ENUM_TYPEDEF.matcher(active);
        while (m.find()) {
            typedefs.put(m.group(3), "enum " + m.group(3));
            Map<String, Long> values = enumerators(m.group(2));
            enums.put(m.group(3), values);
            if (!m.group(1).isEmpty()) enums.put(m.group(1), values);
        }
        m = ENUM_TAG.matcher(active);
        while (m.find()) enums.putIfAbsent(m.group(1), enumerators(m.group(2)));
        m = SIMPLE_TYPEDEF.matcher(active);
        while (m.find()) {
            String decl = m.group(1).replace("*", " * ").strip().replaceAll("\\s+", " ");
            int cut = decl.lastIndexOf(' ');
            if (cut < 0) continue;
            typedefs.putIfAbsent(decl.substring(cut + 1), decl.substring(0, cut).replace(" *", "*").strip());
        }
        m = FN_POINTER_TYPEDEF.matcher(active);
        while (m.find()) typedefs.put(m.group(1), "void*");
        m = STRUCT_TYPEDEF.matcher(active);
        while (m.find()) {
            int depth = 0, i = m.end() - 1;
            for (; i < active.length(); i++) {
                char c = active.charAt(i);
                if (c == '{') depth++;
                else if (c == '}' && --depth == 0) break;
            }
            int semi = active.indexOf(';', i);
            if (semi < 0) continue;
            for (String name : active.substring(i + 1, semi).split(",")) {
                String nm = name.strip();
                if (nm.startsWith("*")) typedefs.put(nm.substring(1).strip(), "void*");
                else if (nm.matches("\\w+")) typedefs.put(nm, m.group(1) + " " + nm);
            }
        }
    }

    private Map<String, Long> enumerators(String body) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String entry : body.split(",")) {
            Matcher e = ENUMERATOR.matcher(entry.strip());
            if (!e.find()) continue;
            String v = e.group(2);
            long value = v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
            values.put(e.group(1), value);
            constants.put(e.group(1), value);
        }
        return values;
    }

    private void readPrototypes(String callingConvention) {
        Pattern proto = Pattern.compile("(\\w+(?:\\s*\\*+)?)\\s+" + Pattern.quote(callingConvention) + "\\s+(\\w+)\\s*\\(([^()]*)\\)\\s*;");
        Matcher m = proto.matcher(active);
        while (m.find()) {
            String declared = m.group(2);
            List<String> params = new ArrayList<>();
            String p = m.group(3).strip().replaceAll("\\s+", " ");
            if (!p.isEmpty() && !p.equals("void")) for (String s : p.split(",")) params.add(s.strip());
            String symbol = symbolOf(declared);
            bySymbol.putIfAbsent(symbol, new Prototype(declared, symbol, m.group(1), List.copyOf(params)));
        }
    }
}
