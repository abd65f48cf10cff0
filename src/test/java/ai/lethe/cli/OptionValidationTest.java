// Every numeric option of train, eval, prune and unlearn is checked before anything is computed or written: a bad
// value is a usage error (exit code 2) naming the option, --out is not created, and eval prints no partial table.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionValidationTest {
    static final String DATA = TrainEvalCommandTest.DATA;
    @TempDir static Path dir;
    static Path run;

    @BeforeAll static void trainOnce() {
        run = dir.resolve("run");
        Cli.Result r = Cli.run(RunFolderSafetyTest.train(run));
        assertEquals(0, r.code(), r.err());
    }

    /** Runs {@code args}, expecting exit code 2 naming {@code option}, nothing written to {@code out} and no stdout. */
    static void refused(String option, Path out, String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.out() + r.err());
        assertTrue(r.err().contains(option), "'" + r.err() + "' should name " + option);
        assertEquals("", r.out(), "nothing printed to stdout by " + String.join(" ", args));
        if (out != null) assertFalse(Files.exists(out), out + " written by " + String.join(" ", args));
    }

    static String[] with(String[] base, String... extra) {
        List<String> a = new ArrayList<>(List.of(base));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test void train() {
        Path out = dir.resolve("t");
        String[] base = RunFolderSafetyTest.train(out);
        for (String wd : List.of("Infinity", "NaN", "-1")) refused("--weight-decay", out, with(base, "--weight-decay", wd));
        for (String lr : List.of("0", "NaN", "Infinity", "-0.1")) refused("--lr", out, with(base, "--lr", lr));
        refused("--epochs", out, with(base, "--epochs", "0"));
        refused("--batch-size", out, with(base, "--batch-size", "0"));
        refused("--workers", out, with(base, "--workers", "-1"));
        refused("--subset", out, with(base, "--subset", "0"));
        refused("--subset", out, with(base, "--subset", "100000"));
        refused("--width", out, with(base, "--width", "0"));
        refused("--image-size", out, with(base, "--image-size", "-3"));
    }

    @Test void eval() throws Exception {
        for (String[] bad : List.of(new String[] {"--batch-size", "0"}, new String[] {"--batch-size", "-5"},
                new String[] {"--workers", "-1"}, new String[] {"--forget", "class=99"}))
            refused(bad[0], null, with(new String[] {"eval", "--model", run.toString(), "--json", dir.resolve("e.json").toString()}, bad));
        assertFalse(Files.exists(dir.resolve("e.json")));
        refused("--json", null, "eval", "--model", run.toString(), "--json", dir.resolve("no-such-folder/e.json").toString());
    }

    @Test void prune() {
        Path out = dir.resolve("p");
        String[] base = {"prune", "--model", run.toString(), "--out", out.toString(), "--epochs", "1", "--workers", "1"};
        refused("--weight-decay", out, with(base, "--weight-decay", "Infinity"));
        refused("--lr", out, with(base, "--lr", "NaN"));
        refused("--epochs", out, with(base, "--epochs", "0"));
        refused("--batch-size", out, with(base, "--batch-size", "0"));
        refused("--workers", out, with(base, "--workers", "-2"));
        refused("--sparsity", out, with(base, "--sparsity", "NaN"));
        refused("--sparsity", out, with(base, "--sparsity", "1"));
        refused("--imp-rate", out, with(base, "--imp-rate", "0"));
        refused("--synflow-rounds", out, with(base, "--synflow-rounds", "0"));
        refused("--rewind-epoch", out, with(base, "--rewind-epoch", "-1"));
        refused("--subset", out, with(base, "--subset", "0"));
    }

    @Test void unlearn() {
        Path out = dir.resolve("u");
        String[] base = {"unlearn", "--model", run.toString(), "--forget", "class=1", "--method", "ft", "--out", out.toString()};
        refused("--batch-size", out, with(base, "--batch-size", "0"));
        refused("--workers", out, with(base, "--workers", "-1"));
        String[] ssd = {"unlearn", "--model", run.toString(), "--forget", "class=1", "--method", "ssd", "--out", out.toString()};
        for (String a : List.of("NaN", "Infinity", "-1")) refused("alpha", out, with(ssd, "--alpha", a));
        refused("lambda", out, with(ssd, "--lambda", "NaN"));
        refused("epochs", out, with(base, "-o", "epochs=0"));
        refused("lr", out, with(base, "-o", "lr=Infinity"));
        refused("--out", null, "unlearn", "--model", run.toString(), "--forget", "class=1", "--method", "ft",
                "--out", run.resolve("last/unlearned").toString());
        assertFalse(Files.exists(run.resolve("last/unlearned")));
    }
}
