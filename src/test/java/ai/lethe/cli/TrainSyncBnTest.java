// `lethe train --sync-bn` in one process: the option is accepted and, with a single rank (nothing to synchronise
// with), trains exactly the model that the same command without it trains — the same bytes in checkpoint/. Its effect
// over several ranks is tested by ai.lethe.train.parallel (DataParallelTrainerTest, DataParallelMpiTest).
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainSyncBnTest {
    static final String DATA = "synthetic:classes=4,train=128,test=32,channels=1,size=12,seed=3";

    @TempDir Path dir;

    static Path train(Path out, String... extra) {
        String[] base = {"train", "--model", "resnet18", "--width", "4", "--dataset", DATA, "--epochs", "1", "--batch-size", "32",
                "--out", out.toString(), "--workers", "1"};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
        return out.resolve("checkpoint/model.safetensors");
    }

    @Test void oneProcessWithSyncBnTrainsTheSameModel() throws Exception {
        Path plain = train(dir.resolve("plain")), synced = train(dir.resolve("synced"), "--sync-bn");
        assertArrayEquals(Files.readAllBytes(plain), Files.readAllBytes(synced));
    }

    @Test void theHelpNamesTheOption() {
        Cli.Result r = Cli.run("train", "--help");
        assertTrue(r.out().contains("--sync-bn"), r.out());
    }
}
