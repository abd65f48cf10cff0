// Experiment configs of the Trojan-cleanse study: `poison:` is parsed as a PoisonSpec, `forget: poisoned` needs it,
// `prune.sparsity` may be a list (a sweep: one experiment per sparsity, 0 = dense) and every bad value is an error
// naming the key; the shipped examples (examples/fashion-mnist-badnets.yaml, examples/cifar10-badnets.yaml) parse
// to the study the README describes.
package ai.lethe.experiment;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.poison.PoisonSpec;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackdoorConfigTest {
    static ExperimentConfig parse(String yaml) throws Exception {
        return ExperimentConfig.parse(new YAMLMapper().readTree(yaml), "t", Path.of("."), "t.yaml");
    }

    static final String BASE = """
            dataset: fashion-mnist
            model: {arch: resnet18, width: 8}
            methods: [ft]
            """;

    @Test void parsesPoisonAndASweep() throws Exception {
        ExperimentConfig c = parse(BASE + "poison: badnets:ratio=0.2,target=1,size=3\nforget: poisoned\n"
                + "prune: {method: omp, sparsity: [0, 0.5, 0.9], rewind_epoch: 1}\n");
        assertEquals(PoisonSpec.parse("badnets:ratio=0.2,target=1,size=3"), c.poison().orElseThrow());
        assertTrue(c.isSweep());
        assertEquals(List.of(0.0, 0.5, 0.9), c.sweep());
        assertTrue(c.atSparsity(0).prune().isEmpty(), "0 = the dense model");
        assertEquals(0.9, c.atSparsity(0.9).prune().orElseThrow().sparsity());
        assertEquals(1, c.atSparsity(0.9).prune().orElseThrow().rewindEpoch());
        assertFalse(c.atSparsity(0.5).isSweep());
        assertEquals(c.poison(), c.atSparsity(0.5).poison());
        var e = assertThrows(IllegalArgumentException.class, () -> new Experiment(c, Path.of("x"), null, 0, null, List::of));
        assertTrue(e.getMessage().contains("SparsitySweep"), e.getMessage());
        ExperimentConfig single = parse(BASE + "forget: class=3\nprune: {method: omp, sparsity: 0.9}\n");
        assertFalse(single.isSweep());
        assertTrue(single.poison().isEmpty());
    }

    @Test void badValuesNameTheKey() {
        String[][] bad = {
                {"forget: poisoned\n", "'forget'", "needs 'poison'"},
                {"poison: badnets:ratio=2\nforget: poisoned\n", "'poison'", "outside (0, 1)"},
                {"poison: badnets:colour=1\nforget: poisoned\n", "'poison'", "unknown key 'colour'"},
                {"forget: class=3\nprune: {method: omp, sparsity: []}\n", "'prune.sparsity'", "empty list"},
                {"forget: class=3\nprune: {method: omp, sparsity: [0.5, 1.0]}\n", "'prune.sparsity'", "[0, 1)"},
                {"forget: class=3\nprune: {method: omp, sparsity: [0.5, 0.5]}\n", "'prune.sparsity'", "listed twice"},
                {"forget: class=3\nprune: {method: omp, sparsity: [a]}\n", "'prune.sparsity'", "numbers"}};
        for (String[] b : bad) {
            var e = assertThrows(IllegalArgumentException.class, () -> parse(BASE + b[0]), b[0]);
            assertTrue(e.getMessage().contains(b[1]) && e.getMessage().contains(b[2]), b[0] + " -> " + e.getMessage());
        }
    }

    @Test void theShippedExamplesAreTheStudy() throws Exception {
        for (String name : List.of("fashion-mnist-badnets", "cifar10-badnets")) {
            ExperimentConfig c = ExperimentConfig.read(Path.of("examples", name + ".yaml"));
            assertEquals(List.of(0.0, 0.75, 0.9, 0.95, 0.99), c.sweep(), name);
            assertEquals("omp", c.prune().orElseThrow().method());
            assertEquals("poisoned", c.forget());
            PoisonSpec p = c.poison().orElseThrow();
            assertEquals(List.of(0.1, 0.0, 4.0), List.of(p.ratio(), (double) p.target(), (double) p.size()), name);
            for (double s : c.sweep()) new Experiment(c.atSparsity(s), Path.of("unused"), null, 0, null, List::of);   // methods and options exist
        }
        assertEquals(0f, ExperimentConfig.read(Path.of("examples", "cifar10-badnets.yaml")).poison().orElseThrow().value(), "the reference's black square");
    }
}
