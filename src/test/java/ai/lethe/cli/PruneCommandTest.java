// `lethe prune` end to end on a small synthetic dataset: a trained source run (its recipe and dataset reused),
// OMP and SynFlow runs written to new folders (pruned checkpoint with masks.safetensors, metrics, prune.json with
// the exact sparsity), the source left untouched, and argument errors as usage errors (exit 2) naming the option.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PruneCommandTest {
    static final String DATA = "synthetic:classes=4,train=128,test=32,channels=1,size=12,seed=3";
    @TempDir static Path dir;
    static Path base;

    @BeforeAll static void trainSource() {
        base = dir.resolve("base");
        Cli.Result r = Cli.run("train", "--model", "resnet18", "--width", "4", "--dataset", DATA, "--epochs", "1",
                "--batch-size", "32", "--out", base.toString(), "--workers", "1");
        assertEquals(0, r.code(), r.err());
    }

    private static List<String> listing(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            return s.map(x -> p.relativize(x) + ":" + x.toFile().lastModified()).sorted().toList();
        }
    }

    @Test void ompAndSynflowWriteRunFolders() throws Exception {
        List<String> before = listing(base);
        for (String method : new String[] {"omp", "synflow"}) {
            Path out = dir.resolve(method);
            Cli.Result r = Cli.run("prune", "--model", base.toString(), "--method", method, "--sparsity", "0.9", "--epochs", "1",
                    "--synflow-rounds", "5", "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("sparsity 0.9000"), r.out());
            for (String f : new String[] {"checkpoint/model.safetensors", "checkpoint/masks.safetensors", "metrics.jsonl", "result.json", "prune.json"})
                assertTrue(Files.exists(out.resolve(f)), method + ": " + f);
            String json = Files.readString(out.resolve("prune.json"));
            assertTrue(json.contains("\"method\" : \"" + method + "\"") && json.contains("\"sparsity\" : 0.9"), json);
            // the recipe came from the source run (batch 32), the epochs from the option
            assertTrue(json.contains("\"batchSize\" : 32") && json.contains("\"epochs\" : 1"), json);
            // `lethe eval` reads the pruned run like any other
            Cli.Result e = Cli.run("eval", "--model", out.toString());
            assertEquals(0, e.code(), e.err());
        }
        assertEquals(before, listing(base), "the source run is never written");
    }

    @Test void argumentErrorsAreUsageErrors() {
        String b = base.toString();
        usage("--method", "prune", "--model", b, "--method", "snip", "--out", dir.resolve("a").toString());
        usage("--sparsity", "prune", "--model", b, "--sparsity", "1", "--out", dir.resolve("b").toString());
        usage("--rewind-epoch", "prune", "--model", b, "--rewind-epoch", "-1", "--out", dir.resolve("c").toString());
        usage("--synflow-precision", "prune", "--model", b, "--synflow-precision", "half", "--out", dir.resolve("d").toString());
        usage("--model", "prune", "--model", dir.resolve("missing").toString(), "--out", dir.resolve("e").toString());
        usage("--out", "prune", "--model", b, "--out", b);
        usage("--out", "prune", "--model", b, "--out", base.resolve("inside").toString());
        usage("--dataset", "prune", "--model", b, "--dataset", "synthetic:classes=5,channels=1,size=12", "--out", dir.resolve("f").toString());
        usage("--preset", "prune", "--model", b, "--preset", "fast", "--out", dir.resolve("g").toString());
    }

    private static void usage(String option, String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.err());
        assertTrue(r.err().contains(option), "'" + r.err() + "' should name " + option);
    }
}
