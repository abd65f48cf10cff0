// `lethe transfer --config FILE`: every examples/transfer-*.yaml parses, and its arguments (and its train block's)
// are options `lethe transfer` (`lethe train`) accepts; a shrunken copy of examples/transfer-fashion-mnist.yaml (600
// source images, width 4, one epoch, no retraining) runs end to end on real Fashion-MNIST — the train block trains the
// source model first, the study writes report.json with the original and unlearned rows and the file's forgotten
// classes — and a second run of the same file with `--out` and `--forget-classes` given on the command line takes
// those instead of the file's (and trains nothing); an unknown key is a usage error naming its option.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.transfer.TransferConfig;
import ai.lethe.unlearn.FashionForgetTask;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferConfigTest {
    static Path examples() {
        Path p = Path.of("examples").toAbsolutePath();
        assertTrue(Files.isDirectory(p), "run from the repository root: " + p);
        return p;
    }

    @Test void everyExampleParsesIntoOptionsTheCommandsTake() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(examples())) {
            files = s.filter(f -> f.getFileName().toString().matches("transfer-.*\\.ya?ml")).sorted().toList();
        }
        assertTrue(files.size() >= 3, "the CPU example and the CIFAR-10/100 ones: " + files);
        for (Path f : files) {
            TransferConfig c = TransferConfig.read(f);
            List<String> args = new ArrayList<>(List.of("transfer"));
            args.addAll(c.transfer());
            var parsed = Main.commandLine().parseArgs(args.toArray(String[]::new));   // throws on an unknown option
            assertTrue(parsed.subcommand().hasMatchedOption("--model"), f + ": " + args);
            assertTrue(parsed.subcommand().hasMatchedOption("--forget-classes") || parsed.subcommand().hasMatchedOption("--search-classes"),
                    f + ": " + args);
            assertTrue(c.train().isPresent(), f + " trains its source model");
            List<String> train = new ArrayList<>(List.of("train"));
            train.addAll(c.train().get());
            train.addAll(List.of("--out", "x"));
            assertTrue(Main.commandLine().parseArgs(train.toArray(String[]::new)).subcommand().hasMatchedOption("--dataset"), f + ": " + train);
        }
        TransferConfig cifar = TransferConfig.read(examples().resolve("transfer-cifar10-to-cifar100.yaml"));
        assertEquals(List.of("--model", "runs/transfer-cifar/c10", "--search-classes", "--target-dataset", "cifar100", "--method", "ssd",
                "--out", "runs/transfer-cifar/c10-to-c100"), cifar.transfer());
        assertEquals(List.of("--model", "resnet18", "--dataset", "cifar10", "--preset", "unlearn-sparse", "--epochs", "182"), cifar.train().get());
    }

    @Test void aShrunkenExampleRunsEndToEnd(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        String text = Files.readString(examples().resolve("transfer-fashion-mnist.yaml"))
                .replace("width: 8", "width: 4").replace("subset: 3000", "subset: 600").replace("epochs: 2, batch_size", "epochs: 1, batch_size")
                .replace("target_train_subset: 2000", "target_train_subset: 400").replace("target_test_subset: 1000", "target_test_subset: 200")
                .replace("retrain_epochs: 2", "no_retrain: true").replace("runs/transfer-fmnist/source", dir.resolve("source").toString())
                .replace("runs/transfer-fmnist/given", dir.resolve("given").toString());
        Path cfg = Files.writeString(dir.resolve("small.yaml"), text);
        Cli.Result r = Cli.run("--device", "cpu", "transfer", "--config", cfg.toString(), "--workers", "1");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("training the source model first"), r.out());
        assertTrue(Files.isDirectory(dir.resolve("source/checkpoint")));
        JsonNode rep = JsonMapper.builder().build().readTree(dir.resolve("given/report.json").toFile());
        assertEquals("[1,2]", rep.get("forgotten_classes").toString());
        assertEquals(2, rep.get("rows").size(), "original and unlearned (no retraining): " + rep.get("rows"));
        for (JsonNode row : rep.get("rows")) assertTrue(row.get("target_accuracy").asDouble() > 0.25, row.toString());   // chance: 0.25

        Cli.Result again = Cli.run("--device", "cpu", "transfer", "--config", cfg.toString(), "--forget-classes", "3", "--out",
                dir.resolve("override").toString(), "--workers", "1");
        assertEquals(0, again.code(), again.out() + again.err());
        assertFalse(again.out().contains("training the source model first"), "the model exists now: " + again.out());
        JsonNode over = JsonMapper.builder().build().readTree(dir.resolve("override/report.json").toFile());
        assertEquals("[3]", over.get("forgotten_classes").toString());

        Path bad = Files.writeString(dir.resolve("bad.yaml"), text + "colour: blue\n");
        Cli.Result b = Cli.run("--device", "cpu", "transfer", "--config", bad.toString(), "--out", dir.resolve("bad").toString());
        assertEquals(2, b.code(), b.out() + b.err());
        assertTrue(b.err().contains("--colour"), b.err());
        assertFalse(Files.exists(dir.resolve("bad")));
    }
}
