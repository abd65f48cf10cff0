// Test support: the cuBLAS and cuDNN prototypes as JavaCPP transcribes them (org.bytedeco:cuda 13.1-9.19-1.5.13,
// classifier sources: org/bytedeco/cuda/global/cublas.java and cudnn.java, read as text from the test class path).
// These are JavaCPP's renderings of cublas_api.h (cuBLAS 13.1) and cudnn*.h (cuDNN 9.19), not NVIDIA's headers: each
// C function is a `public static native` method under its exported name (cublasSgemm_v2 as cublas_api.h declares
// it), whose Java types follow the C types' sizes — int for int and enums, long for size_t / long long, float,
// double, and a Pointer class for every pointer and opaque handle — and whose @Cast annotations keep the C type.
// A function appears once per pointer flavour (Pointer, Buffer, array); the Pointer overload is the one used.
//
// check() compares an FFM binding with it: the name exists, the arity matches and each argument and the return has
// the same kind (pointer vs 32-bit int vs 64-bit long vs float vs double vs void).
package ai.lethe.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class JavaCppHeader {
    /** What a C value is, as far as an FFM descriptor can tell. */
    enum Kind { POINTER, INT, LONG, FLOAT, DOUBLE, BYTE, SHORT, VOID, BY_VALUE }

    /** One declaration: name, return kind, parameter kinds and texts, and whether it is a Buffer/array overload. */
    record Declaration(String name, Kind returns, List<Kind> params, List<String> paramTexts, boolean bufferOverload) {}

    private static final Pattern NATIVE = Pattern.compile("public\\s+static\\s+native\\s+([^;{}=]*?)(?<![@\\w])(\\w+)\\s*\\(([^;{}]*?)\\)\\s*;",
            Pattern.DOTALL);
    private static final Pattern CONSTANT = Pattern.compile("\\b([A-Z][A-Z0-9_]*)\\s*=\\s*(-?(?:0x[0-9a-fA-F]+|\\d+)|[A-Z][A-Z0-9_]*)\\s*[,;]");
    private static final Pattern ANNOTATION = Pattern.compile("@\\w+(\\s*\\((?:\"[^\"]*\"|[^()\"])*\\))?");
    private static final Set<String> PRIMITIVES = Set.of("int", "long", "float", "double", "byte", "short", "char", "boolean", "void");

    private final String source;
    private final Map<String, List<Declaration>> declarations = new LinkedHashMap<>();
    private final Map<String, Long> constants = new HashMap<>();

    private JavaCppHeader(String source, String text) {
        this.source = source;
        String code = stripComments(text);
        Matcher m = NATIVE.matcher(code);
        while (m.find()) {
            Declaration d = declaration(m.group(2), m.group(1), m.group(3));
            declarations.computeIfAbsent(d.name(), k -> new ArrayList<>()).add(d);
        }
        Map<String, String> aliases = new HashMap<>();
        Matcher c = CONSTANT.matcher(code);
        while (c.find()) {
            String v = c.group(2);
            if (Character.isUpperCase(v.charAt(0))) aliases.putIfAbsent(c.group(1), v);
            else constants.putIfAbsent(c.group(1), v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v));
        }
        aliases.forEach((name, target) -> {
            if (constants.containsKey(target)) constants.putIfAbsent(name, constants.get(target));
        });
    }

    /** Parses Java source text (a JavaCPP global class); {@code source} names it in messages. */
    static JavaCppHeader parse(String source, String text) { return new JavaCppHeader(source, text); }

    /** The resource (e.g. org/bytedeco/cuda/global/cudnn.java) from the test class path. */
    static JavaCppHeader fromClassPath(String resource) throws IOException {
        try (InputStream in = JavaCppHeader.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null)
                throw new IOException(resource + " is not on the test class path (org.bytedeco:cuda:13.1-9.19-1.5.13:sources, see pom.xml)");
            return new JavaCppHeader(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    String source() { return source; }

    int size() { return declarations.size(); }

    /** The Pointer overload of the named function (the first declared when every overload takes Buffers or arrays). */
    Optional<Declaration> declaration(String name) {
        List<Declaration> all = declarations.get(name);
        if (all == null) return Optional.empty();
        return Optional.of(all.stream().filter(d -> !d.bufferOverload()).findFirst().orElse(all.get(0)));
    }

    Optional<Long> constant(String name) { return Optional.ofNullable(constants.get(name)); }

    /** Where the binding departs from the transcription; empty when it matches. */
    List<String> problems(NativeFunction f) {
        List<String> problems = new ArrayList<>();
        Optional<Declaration> found = declaration(f.symbol());
        if (found.isEmpty()) {
            problems.add(f.symbol() + ": no such function in " + source
                    + (declarations.containsKey(f.symbol() + "_v2") ? " (it exports " + f.symbol() + "_v2)" : ""));
            return problems;
        }
        Declaration d = found.get();
        String where = f.symbol() + " (declared " + d.paramTexts() + ")";
        Kind ret = f.descriptor().returnLayout().map(JavaCppHeader::kindOf).orElse(Kind.VOID);
        if (ret != d.returns()) problems.add(where + ": returns " + d.returns() + ", bound as " + ret);
        List<MemoryLayout> args = f.descriptor().argumentLayouts();
        if (args.size() != d.params().size()) {
            problems.add(where + ": " + d.params().size() + " parameters declared, " + args.size() + " bound");
            return problems;
        }
        for (int i = 0; i < args.size(); i++) {
            Kind bound = kindOf(args.get(i));
            if (bound != d.params().get(i))
                problems.add(where + ": argument " + i + " '" + d.paramTexts().get(i) + "' is " + d.params().get(i) + ", bound as " + bound);
        }
        return problems;
    }

    /** The kind of an FFM layout. */
    static Kind kindOf(MemoryLayout l) {
        if (!(l instanceof ValueLayout v)) return Kind.BY_VALUE;
        if (v.carrier() == java.lang.foreign.MemorySegment.class) return Kind.POINTER;
        if (v.carrier() == int.class) return Kind.INT;
        if (v.carrier() == long.class) return Kind.LONG;
        if (v.carrier() == float.class) return Kind.FLOAT;
        if (v.carrier() == double.class) return Kind.DOUBLE;
        if (v.carrier() == byte.class) return Kind.BYTE;
        if (v.carrier() == short.class) return Kind.SHORT;
        return Kind.BY_VALUE;
    }

    // ---- parsing -------------------------------------------------------------------------------------------------

    private static Declaration declaration(String name, String returnText, String paramsText) {
        List<String> texts = new ArrayList<>();
        List<Kind> kinds = new ArrayList<>();
        boolean buffers = false;
        for (String p : splitTopLevel(paramsText)) {
            if (p.isBlank()) continue;
            String t = p.strip().replaceAll("\\s+", " ");
            texts.add(t);
            String type = javaType(t, true);
            buffers |= type.endsWith("[]") || type.endsWith("Buffer");
            kinds.add(kind(t, type));
        }
        String ret = returnText.strip();
        return new Declaration(name, kind(ret, javaType(ret, false)), List.copyOf(kinds), List.copyOf(texts), buffers);
    }

    /** The Java type of a parameter ("@Cast(...) int n" -> "int") or a return ("@Cast(...) int" -> "int"). */
    private static String javaType(String text, boolean hasName) {
        String bare = ANNOTATION.matcher(text).replaceAll(" ").strip().replaceAll("\\s+", " ");
        if (!hasName) return bare;
        int space = bare.lastIndexOf(' ');
        return space < 0 ? bare : bare.substring(0, space).strip();
    }

    private static Kind kind(String text, String type) {
        if (text.contains("@ByVal")) return Kind.BY_VALUE;
        if (text.contains("@ByPtrPtr") || text.contains("@ByPtr") || text.contains("@ByRef")) return Kind.POINTER;
        if (!PRIMITIVES.contains(type)) return Kind.POINTER;  // a Pointer class, a Buffer or an array
        return switch (type) {
            case "int" -> Kind.INT;
            case "long" -> Kind.LONG;
            case "float" -> Kind.FLOAT;
            case "double" -> Kind.DOUBLE;
            case "byte", "boolean" -> Kind.BYTE;
            case "short", "char" -> Kind.SHORT;
            default -> Kind.VOID;
        };
    }

    /** Splits at commas outside parentheses and string literals. */
    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0, start = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (!quoted && c == '(') depth++;
            else if (!quoted && c == ')') depth--;
            else if (!quoted && depth == 0 && c == ',') {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** Removes comments (not inside string literals). */
    private static String stripComments(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                out.append(c);
                if (c == '\\' && i + 1 < s.length()) out.append(s.charAt(++i));
                else if (c == '"') quoted = false;
            } else if (c == '"') {
                quoted = true;
                out.append(c);
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                while (i < s.length() && s.charAt(i) != '\n') i++;
                out.append('\n');
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 1;
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
