// `lethe train` and `lethe eval` on a small synthetic dataset: the run folder and its files, the evaluation
// table with forget/retain sets, and every argument error as a usage error (exit code 2) naming the option.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainEvalCommandTest {
    static final String DATA = "synthetic:classes=4,train=256,test=64,channels=1,size=12,seed=3";
    @TempDir static Path dir;
    static Path run;

    @BeforeAll static void trainOnce() {
        run = dir.resolve("run");
        Cli.Result r = Cli.run("train", "--model", "resnet18", "--width", "4", "--dataset", DATA, "--epochs", "2",
                "--batch-size", "32", "--out", run.toString(), "--workers", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test accuracy"), r.out());
    }

    @Test void trainWritesTheRunFolder() {
        for (String f : new String[] {"checkpoint/model.safetensors", "checkpoint/optimizer.safetensors", "last/model.safetensors",
                "best/model.safetensors", "metrics.jsonl", "result.json"})
            assertTrue(Files.exists(run.resolve(f)), f);
    }

    @Test void evalPrintsAndWritesTheSets() throws Exception {
        Cli.Result r = Cli.run("eval", "--model", run.toString(), "--forget", "class=1");
        assertEquals(0, r.code(), r.err());
        for (String set : new String[] {"train", "test", "forget", "retain", "forget-test", "retain-test"})
            assertTrue(r.out().contains(set), r.out());
        String json = Files.readString(run.resolve("eval.json"));
        assertTrue(json.contains("\"forget-test\"") && json.contains("\"accuracy\""), json);
        assertTrue(Files.readString(run.resolve("split.json")).contains("class=1"));
    }

    @Test void argumentErrorsAreUsageErrors() {
        usage("--dataset", "train", "--dataset", "no-such-data", "--out", dir.resolve("x").toString());
        usage("--model", "train", "--model", "resnet99", "--dataset", DATA, "--out", dir.resolve("y").toString());
        usage("--preset", "train", "--preset", "fast", "--dataset", DATA, "--out", dir.resolve("z").toString());
        usage("--out", "train", "--dataset", DATA, "--out", run.toString());
        usage("--resume", "train", "--dataset", DATA, "--out", dir.resolve("empty").toString(), "--resume");
        usage("--model", "eval", "--model", dir.resolve("missing").toString());
        usage("--forget", "eval", "--model", run.toString(), "--forget", "class=12");
        usage("--model", "eval", "--model", run.toString(), "--dataset", "synthetic:classes=4,channels=3,size=12");
        usage("--model", "eval", "--model", run.toString(), "--dataset", "synthetic:classes=5,channels=1,size=12");
    }

    private static void usage(String option, String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.err());
        assertTrue(r.err().contains(option), "'" + r.err() + "' should name " + option);
    }
}
