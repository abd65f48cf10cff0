// The papers' protocol configs in examples/ (paper-*.yaml): every examples/*.yaml parses; each paper config states its
// expected run time per device, marked as an estimate, and covers 3 seeds; and a shrunken copy of each runs end to end
// through `lethe experiment` and writes its report. The copy keeps the config's methods, forget request kind,
// pruning and model family, and shrinks the rest: Fashion-MNIST in place of CIFAR (absent on this machine: CIFAR-100's
// class 69 becomes class 9, CIFAR-20's sub-class "rocket" becomes class 1, since Fashion-MNIST has no sub-classes),
// 300 training and 200 test images, ResNet18 width 4 (ViT: vit-tiny at 28 px), 1 epoch, OMP rewound to epoch 0,
// methods' epochs set to 1, one seed. Needs Debian's dataset-fashion-mnist and the cpu backend.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.experiment.ExperimentConfig;
import ai.lethe.testing.TestBackends;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaperExamplesTest {
    static final Path EXAMPLES = Path.of("examples");

    static List<Path> configs(String glob) throws Exception {
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            return s.filter(p -> p.getFileName().toString().matches(glob)).sorted().toList();
        }
    }

    @Test void everyExampleParsesAndThePaperConfigsStateTheirRunTime() throws Exception {
        // transfer-*.yaml are `lethe transfer --config` files, not experiments (TransferConfigTest parses them)
        List<Path> all = configs("(?!transfer-).*\\.ya?ml"), paper = configs("paper-.*\\.yaml");
        assertTrue(paper.size() >= 7, "paper configs: " + paper);
        for (Path p : all) assertDoesNotThrow(() -> ExperimentConfig.read(p), p.toString());
        for (Path p : paper) {
            String text = Files.readString(p);
            assertTrue(text.contains("Run time (ESTIMATES") && text.contains("GPU") && text.contains("cpu"), p + " states no run-time estimate per device");
            ExperimentConfig c = ExperimentConfig.read(p);
            assertEquals(List.of(0L, 1L, 2L), c.seeds(), p.toString());
            assertTrue(c.dataset().startsWith("cifar"), p.toString());
        }
    }

    @Test void aShrunkenCopyOfEachPaperConfigRunsEndToEnd(@TempDir Path dir) throws Exception {
        FashionMnistTrainingTest.requireData();
        TestBackends.requireCpu();
        YAMLMapper yaml = new YAMLMapper();
        for (Path p : configs("paper-.*\\.yaml")) {
            ObjectNode root = (ObjectNode) yaml.readTree(p.toFile());
            shrink(root);
            Path copy = dir.resolve(p.getFileName());
            yaml.writeValue(copy.toFile(), root);
            Path out = dir.resolve(p.getFileName() + ".out");
            long t0 = System.nanoTime();
            Cli.Result r = Cli.run("--device", "cpu", "experiment", copy.toString(), "--out", out.toString(), "--workers", "1", "--no-progress");
            assertEquals(0, r.code(), p + ":\n" + Files.readString(copy) + r.out() + r.err());
            try (Stream<Path> s = Files.walk(out)) {
                assertTrue(s.anyMatch(f -> f.getFileName().toString().equals("report.json")), p + ": no report.json under " + out);
            }
            System.out.printf("%s shrunk: %.0f s%n", p.getFileName(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** The config made CI-sized, as the header says. */
    static void shrink(ObjectNode root) {
        String forget = root.get("forget").asText();
        root.put("dataset", "fashion-mnist");
        if (forget.equals("class=69")) root.put("forget", "class=9");
        if (forget.startsWith("subclass=")) root.put("forget", "class=1");
        root.put("train_subset", 300);
        root.put("test_subset", 200);
        ObjectNode model = (ObjectNode) root.get("model");
        if (model.get("arch").asText().startsWith("vit")) {
            model.put("arch", "vit-tiny");
            model.put("image_size", 28);
        } else {
            model.put("width", 4);
        }
        ObjectNode train = (ObjectNode) root.get("train");
        train.put("epochs", 1);
        train.put("batch_size", 64);
        if (root.has("prune") && root.get("prune").has("rewind_epoch")) ((ObjectNode) root.get("prune")).put("rewind_epoch", 0);
        ArrayNode seeds = root.putArray("seeds");
        seeds.add(0);
        for (JsonNode m : root.get("methods"))
            if (m.isObject() && m.has("options") && m.get("options").has("epochs")) ((ObjectNode) m.get("options")).put("epochs", 1);
    }
}
