// The package dependency graph of Lethe's compiled classes, read from their constant pools with the JDK's
// ClassFile API, and its cycles (Tarjan's strongly connected components). PackageCyclesTest uses it.
package ai.lethe.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Package → (package it uses → one example "Class → Class" edge), for packages under one prefix. */
final class PackageGraph {
    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L([\\w/$]+)[;<]");

    private final Map<String, Map<String, String>> edges = new TreeMap<>();

    /** Adds an edge {@code from → to} between packages, remembering {@code example} for the message. */
    void add(String from, String to, String example) {
        edges.computeIfAbsent(from, k -> new TreeMap<>());
        edges.computeIfAbsent(to, k -> new TreeMap<>());
        if (!from.equals(to)) edges.get(from).putIfAbsent(to, example);
    }

    /** Reads every .class file under {@code classes}, keeping references between classes whose names start with {@code prefix}. */
    static PackageGraph ofClasses(Path classes, String prefix) {
        PackageGraph graph = new PackageGraph();
        String internalPrefix = prefix.replace('.', '/');
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                var model = ClassFile.of().parse(Files.readAllBytes(file));
                String self = model.thisClass().asInternalName();
                if (!self.startsWith(internalPrefix)) continue;
                for (String used : referencedClasses(model.constantPool())) {
                    if (used.startsWith(internalPrefix)) graph.add(packageOf(self), packageOf(used), simple(self) + " → " + simple(used));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading classes under " + classes, e);
        }
        return graph;
    }

    /** Class names named by the pool: class entries and the types inside descriptors and generic signatures. */
    private static Set<String> referencedClasses(Iterable<PoolEntry> pool) {
        Set<String> names = new TreeSet<>();
        for (PoolEntry entry : pool) {
            switch (entry) {
                case ClassEntry c -> {
                    String name = c.asInternalName();
                    if (name.startsWith("[")) addDescriptorTypes(name, names);
                    else names.add(name);
                }
                case Utf8Entry u -> addDescriptorTypes(u.stringValue(), names);
                default -> { }
            }
        }
        return names;
    }

    private static void addDescriptorTypes(String text, Set<String> names) {
        Matcher m = DESCRIPTOR_TYPE.matcher(text);
        while (m.find()) names.add(m.group(1));
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return internalName.substring(0, slash).replace('/', '.');
    }

    private static String simple(String internalName) {
        return internalName.substring(internalName.lastIndexOf('/') + 1);
    }

    Set<String> packages() { return edges.keySet(); }

    boolean uses(String from, String to) { return edges.getOrDefault(from, Map.of()).containsKey(to); }

    /** Every strongly connected component of more than one package, each sorted, in a stable order. */
    List<List<String>> cycles() {
        var tarjan = new Tarjan();
        for (String p : edges.keySet()) if (!tarjan.index.containsKey(p)) tarjan.visit(p);
        tarjan.components.sort(Comparator.comparing(c -> c.get(0)));
        return tarjan.components;
    }

    /** The edges inside one component, as "a → b (Class → Class)" lines. */
    List<String> describe(List<String> component) {
        List<String> lines = new ArrayList<>();
        for (String from : component) {
            edges.get(from).forEach((to, example) -> {
                if (component.contains(to)) lines.add(from + " → " + to + "  (" + example + ")");
            });
        }
        return lines;
    }

    private final class Tarjan {
        final Map<String, Integer> index = new HashMap<>();
        final Map<String, Integer> low = new HashMap<>();
        final List<String> stack = new ArrayList<>();
        final Set<String> onStack = new TreeSet<>();
        final List<List<String>> components = new ArrayList<>();

        void visit(String v) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.add(v);
            onStack.add(v);
            for (String w : edges.get(v).keySet()) {
                if (!index.containsKey(w)) {
                    visit(w);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (onStack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                List<String> component = new ArrayList<>();
                String w;
                do {
                    w = stack.removeLast();
                    onStack.remove(w);
                    component.add(w);
                } while (!w.equals(v));
                if (component.size() > 1) {
                    component.sort(null);
                    components.add(component);
                }
            }
        }
    }
}
