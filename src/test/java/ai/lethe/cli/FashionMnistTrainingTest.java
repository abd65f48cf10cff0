// Acceptance on real data: `lethe train` with a width-16 ResNet18 on a 10,000-image subset of Fashion-MNIST for
// 2 epochs on cpu reaches >= 85% test accuracy, read back from the run's written metrics. Needs Debian's
// dataset-fashion-mnist (.ci/run installs it) and the native cpu backend; skips with the reason otherwise.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.testing.TestBackends;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTrainingTest {
    static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

    /** Skips the calling test (with the reason) when Debian's Fashion-MNIST is not installed. */
    static void requireData() {
        Assumptions.assumeTrue(Files.isRegularFile(DEBIAN.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed at " + DEBIAN + " (apt-get install dataset-fashion-mnist)");
    }

    @Test void aWidth16ResNet18ReachesEightyFivePercentInTwoEpochs(@TempDir Path dir) throws Exception {
        requireData();
        TestBackends.requireCpu();
        Path run = dir.resolve("base");
        Cli.Result r = Cli.run("--device", "cpu", "train", "--model", "resnet18", "--width", "16", "--dataset", "fashion-mnist",
                "--subset", "10000", "--epochs", "2", "--batch-size", "64", "--optimizer", "adamw", "--lr", "0.002",
                "--weight-decay", "0.01", "--no-augment", "--seed", "0", "--out", run.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(2, metrics.size(), String.join("\n", metrics));
        JsonNode last = JsonMapper.builder().build().readTree(metrics.getLast());
        double accuracy = last.get("val_accuracy").asDouble();
        System.out.println("Fashion-MNIST, ResNet18 width 16, 10k samples, 2 epochs: test accuracy " + accuracy);
        assertTrue(accuracy >= 0.85, "test accuracy " + accuracy + " < 0.85; metrics: " + metrics);
        JsonNode result = JsonMapper.builder().build().readTree(run.resolve("result.json").toFile());
        assertEquals(accuracy, result.get("test_accuracy").asDouble(), 0);
    }
}
