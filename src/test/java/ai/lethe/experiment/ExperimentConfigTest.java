// ExperimentConfig: JSON and YAML read to the same protocol (retrain first, labels, seeds, recipe overrides,
// base paths resolved against the file), and every bad input is an error naming the file and the key.
package ai.lethe.experiment;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentConfigTest {
    static final String YAML = """
            name: small
            dataset: fashion-mnist
            train_subset: 1000
            model: {arch: resnet18, width: 16}
            train: {preset: ssd, epochs: 2, optimizer: adamw, lr: 0.002, weight_decay: 0.01, batch_size: 64, augment: false}
            forget: class=3
            prune: {method: omp, sparsity: 0.5}
            methods: [ssd, {name: ga, options: {lr: 1e-4, epochs: 2}}]
            seeds: [0, 1]
            eval: {batch_size: 128, mia_feature: entropy}
            """;

    static final String JSON = """
            {"name": "small", "dataset": "fashion-mnist", "train_subset": 1000, "model": {"arch": "resnet18", "width": 16},
             "train": {"preset": "ssd", "epochs": 2, "optimizer": "adamw", "lr": 0.002, "weight_decay": 0.01, "batch_size": 64,
                       "augment": false},
             "forget": "class=3", "prune": {"method": "omp", "sparsity": 0.5},
             "methods": ["ssd", {"name": "ga", "options": {"lr": 1e-4, "epochs": 2}}], "seeds": [0, 1],
             "eval": {"batch_size": 128, "mia_feature": "entropy"}}
            """;

    @Test void yamlAndJsonGiveTheSameProtocol(@TempDir Path dir) throws Exception {
        Path y = Files.writeString(dir.resolve("e.yaml"), YAML), j = Files.writeString(dir.resolve("e.json"), JSON);
        ExperimentConfig a = ExperimentConfig.read(y), b = ExperimentConfig.read(j);
        assertEquals(a, b);
        assertEquals(List.of("retrain", "ssd", "ga[epochs=2,lr=0.0001]"), a.methods().stream().map(ExperimentConfig.MethodSpec::label).toList());
        assertEquals(Map.of("lr", "0.0001", "epochs", "2"), a.methods().get(2).options());
        assertEquals(List.of(0L, 1L), a.seeds());
        assertEquals(1000, a.trainSubset());
        TrainConfig t = a.train();
        assertEquals(2, t.epochs());
        assertEquals(TrainConfig.OptimizerKind.ADAMW, t.optimizer());
        assertEquals(0.002, t.lr());
        assertFalse(t.augment());
        assertEquals(new ExperimentConfig.PruneSpec("omp", 0.5, 8), a.prune().orElseThrow());
        assertEquals("entropy", a.miaFeature());
        assertEquals(128, a.evalBatchSize());
        assertEquals(16, a.model().orElseThrow().width());
    }

    @Test void aBasePathResolvesAgainstTheFile(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("b.json"), """
                {"dataset": "fashion-mnist", "base": "runs/base", "forget": "random=100", "methods": ["ft"]}""");
        ExperimentConfig c = ExperimentConfig.read(f);
        assertEquals(dir.resolve("runs/base").toAbsolutePath().normalize(), c.base().orElseThrow());
        assertEquals("b", c.name());
        assertEquals(List.of(0L), c.seeds());
        assertTrue(c.model().isEmpty());
    }

    @Test void theShippedExamplesParse() throws Exception {
        try (var files = Files.list(Path.of("examples"))) {
            // transfer-*.yaml are `lethe transfer --config` files, not experiments (TransferConfigTest parses them)
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().startsWith("transfer-")).toList();
            assertFalse(yaml.isEmpty());
            for (Path f : yaml) {
                ExperimentConfig c = ExperimentConfig.read(f);
                assertEquals("retrain", c.methods().getFirst().name(), f.toString());
                for (var m : c.methods()) ai.lethe.unlearn.Unlearners.create(m.name(), m.options());   // known methods and options
            }
        }
    }

    @Test void badInputNamesTheFileAndTheKey(@TempDir Path dir) throws Exception {
        String ok = "\"dataset\": \"fashion-mnist\", \"model\": {\"arch\": \"resnet18\"}, \"forget\": \"class=3\", \"methods\": [\"ssd\"]";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{" + ok + ", \"colour\": 1}", "unknown key 'colour'");
        cases.put("{\"model\": {\"arch\": \"resnet18\"}, \"forget\": \"class=3\", \"methods\": [\"ssd\"]}", "missing 'dataset'");
        cases.put("{" + ok.replace("class=3", "class=x") + "}", "'forget'");
        cases.put("{" + ok.replace("resnet18", "resnet50") + "}", "unknown architecture 'resnet50'");
        cases.put("{" + ok + ", \"prune\": {\"method\": \"omp\", \"sparsity\": 1.0}}", "'prune.sparsity': must be in [0, 1)");
        cases.put("{" + ok + ", \"seeds\": [1, 1]}", "seed 1 is listed twice");
        cases.put("{" + ok.replace("[\"ssd\"]", "[]") + "}", "'methods'");
        cases.put("{" + ok + ", \"base\": \"x\"}", "exactly one of 'model'");
        cases.put("{" + ok + ", \"train\": {\"lr\": -1}}", "learning rate must be positive");
        cases.put("{" + ok + ", \"train\": {\"epochs\": 0}}", "'train.epochs': must be >= 1");
        cases.put("{" + ok + ", \"model\": {\"arch\": \"resnet18\", \"depth\": 50}}", "unknown key 'model.depth'");
        cases.put("{" + ok, "not valid JSON");
        int i = 0;
        for (var e : cases.entrySet()) {
            Path f = Files.writeString(dir.resolve("bad" + i++ + ".json"), e.getKey());
            var ex = assertThrows(IllegalArgumentException.class, () -> ExperimentConfig.read(f), e.getKey());
            assertTrue(ex.getMessage().contains(e.getValue()), e.getKey() + " -> " + ex.getMessage());
            assertTrue(ex.getMessage().contains(f.toString()), ex.getMessage());
        }
    }
}
