// `lethe unlearn` over two ranks (`lethe launch --nproc 2`, Open MPI): fine-tuning with --sync-bn ends with the weights
// of the same command in one process (the ranks take halves of each global batch; batch norm with the global
// batch's statistics), while without --sync-bn (per-rank statistics, PyTorch DDP's default) it ends elsewhere; SSD
// (the Fisher diagonals shared over the ranks) gives one process's model too. Rank 0 alone writes OUT and prints;
// a non-empty OUT is refused before anything runs; alpha=auto is refused over ranks.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnlearnRanksTest {
    /**
     * Three fine-tuning steps of a width-4 ReLU ResNet: the ranks sum the same numbers in another float order (measured
     * below 1e-6 apart); per-rank batch-norm statistics move the weights by more than 1e-3.
     */
    static final double TOLERANCE = 1e-4;

    @TempDir static Path dir;
    static Path model;

    @BeforeAll static void trainAModel() {
        Path run = dir.resolve("run");
        TrainSyncBnTest.train(run);
        model = run.resolve("checkpoint");
    }

    static Cli.Result unlearn(Path out, boolean ranks, String... extra) {
        List<String> args = new ArrayList<>(List.of("--device", "cpu"));
        if (ranks) args.addAll(List.of("launch", "--nproc", "2", "--"));
        args.addAll(List.of("unlearn", "--model", model.toString(), "--forget", "class=1", "--out", out.toString(), "--workers", "1"));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    static Map<String, float[]> weights(Path out) {
        Map<String, float[]> w = new TreeMap<>();
        try (ImageModel m = Checkpoint.openModel(out.resolve("checkpoint/model.safetensors"), Device.CPU)) {
            m.stateDict().forEach((k, v) -> {
                if (v.dtype().isFloatingPoint()) w.put(k, v.toFloatArray());
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return w;
    }

    static double largestDifference(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        double worst = 0;
        for (String k : a.keySet())
            for (int i = 0; i < a.get(k).length; i++) worst = Math.max(worst, Math.abs(a.get(k)[i] - b.get(k)[i]));
        return worst;
    }

    static final String[] FT = {"--method", "ft", "-o", "epochs=1", "-o", "batch-size=32", "-o", "lr=0.05"};

    @Test void fineTuningWithSyncBnOverTwoRanksIsOneProcesssRun() {
        Path single = dir.resolve("ft-single"), synced = dir.resolve("ft-synced"), plain = dir.resolve("ft-plain");
        Cli.Result one = unlearn(single, false, FT);
        assertEquals(0, one.code(), one.out() + one.err());
        Cli.Result two = unlearn(synced, true, with(FT, "--sync-bn"));
        assertEquals(0, two.code(), two.out() + two.err());
        assertTrue(two.out().contains("[rank 0] wrote " + synced), two.out());
        assertTrue(two.out().contains("2 ranks"), two.out());
        assertFalse(two.out().contains("[rank 1]"), "rank 1 prints nothing: " + two.out());
        double d = largestDifference(weights(single), weights(synced));
        System.out.println("ft --sync-bn over 2 ranks vs one process: largest weight difference " + d);
        assertTrue(d <= TOLERANCE, "ft --sync-bn over 2 ranks differs from one process by " + d);
        for (String f : List.of("unlearn.json", "split.json")) assertTrue(Files.isRegularFile(synced.resolve(f)), f);

        Cli.Result perRank = unlearn(plain, true, FT);
        assertEquals(0, perRank.code(), perRank.out() + perRank.err());
        double p = largestDifference(weights(single), weights(plain));
        System.out.println("ft over 2 ranks with per-rank batch norm vs one process: " + p);
        assertTrue(p > 10 * TOLERANCE, "per-rank batch-norm statistics should change the run, difference " + p);
    }

    @Test void ssdOverTwoRanksIsOneProcesssRun() {
        String[] ssd = {"--method", "ssd", "--alpha", "2", "--lambda", "1"};
        Path single = dir.resolve("ssd-single"), ranks = dir.resolve("ssd-ranks");
        Cli.Result one = unlearn(single, false, ssd);
        assertEquals(0, one.code(), one.out() + one.err());
        Cli.Result two = unlearn(ranks, true, ssd);
        assertEquals(0, two.code(), two.out() + two.err());
        Map<String, float[]> a = weights(single), b = weights(ranks);
        double d = largestDifference(a, b);
        System.out.println("ssd over 2 ranks vs one process: largest weight difference " + d);
        assertTrue(d <= 1e-5, "ssd over 2 ranks differs from one process by " + d);
    }

    @Test void refusalsOverRanks() throws Exception {
        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        Cli.Result r = unlearn(full, true, FT);
        assertNotEquals(0, r.code());
        assertTrue((r.out() + r.err()).contains("already exists and is not empty"), r.out() + r.err());
        assertEquals("mine", Files.readString(full.resolve("keep.txt")));
        Cli.Result auto = unlearn(dir.resolve("auto"), true, "--method", "ssd", "-o", "alpha=auto");
        assertNotEquals(0, auto.code());
        assertTrue((auto.out() + auto.err()).contains("alpha=auto runs the tuner in one process"), auto.out() + auto.err());
    }

    static String[] with(String[] base, String... extra) {
        String[] a = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, a, base.length, extra.length);
        return a;
    }
}
