// Lower layers never import higher ones: the packages of src/main form no cycle. The graph is read from the
// compiled classes (every type a class names in its constant pool), so a comment or an unused import is not a
// dependency and an inline fully-qualified name is.
package ai.lethe.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.tensor.Tensor;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PackageCyclesTest {

    private static Path mainClasses() throws URISyntaxException {
        return Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void mainPackagesFormNoCycle() throws Exception {
        PackageGraph graph = PackageGraph.ofClasses(mainClasses(), "ai.lethe");
        assertTrue(graph.packages().size() > 20, "read the main classes: " + graph.packages());
        List<List<String>> cycles = graph.cycles();
        String report = cycles.stream()
                .map(c -> "cycle " + c + ":\n    " + String.join("\n    ", graph.describe(c)))
                .collect(Collectors.joining("\n"));
        assertTrue(cycles.isEmpty(), "package cycles in src/main:\n" + report);
    }

    @Test
    void detectsCyclesAndOnlyCycles() {
        PackageGraph graph = new PackageGraph();
        graph.add("a", "b", "A → B");
        graph.add("b", "c", "B → C");
        graph.add("c", "a", "C → A");
        graph.add("c", "d", "C → D");
        graph.add("d", "e", "D → E");
        graph.add("e", "d", "E → D");
        graph.add("f", "a", "F → A");
        assertEquals(List.of(List.of("a", "b", "c"), List.of("d", "e")), graph.cycles());
        assertEquals(List.of("d → e  (D → E)", "e → d  (E → D)"), graph.describe(List.of("d", "e")));
    }

    @Test
    void readsTypesNamedOnlyInSignatures() throws Exception {
        // This class names Tensor only in mainClasses()'s body (a class literal); the reader must find the edge
        // architecture → tensor in its class file, and nothing from the JDK or JUnit.
        PackageGraph graph = PackageGraph.ofClasses(
                Path.of(PackageCyclesTest.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                "ai.lethe");
        assertTrue(graph.uses("ai.lethe.architecture", "ai.lethe.tensor"), "architecture → tensor not found");
        assertTrue(graph.packages().stream().allMatch(p -> p.startsWith("ai.lethe")), graph.packages().toString());
    }
}
