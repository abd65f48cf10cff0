// `lethe unlearn --fisher-cache` on a small synthetic dataset: the cache holds bit for bit the I_D SSD computes
// itself (the batch-mean Fisher of Dr then Df, at the run's batch size), so SSD computing I_D, SSD writing the
// cache and SSD reading it give the same unlearned weights. The cache once held the Fisher of D in training order,
// which differs here (the test checks it does, so it can tell the two apart). A run whose batch size, Fisher kind
// or forget request differ from the cache's, a file without SSD's provenance, and a method that reads no cache are
// usage errors (exit 2) naming the difference; the file is left as it was and nothing is written.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backends;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.experiment.TaskData;
import ai.lethe.fisher.FisherDiagonal;
import ai.lethe.fisher.FisherKind;
import ai.lethe.fisher.FisherMap;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.tensor.Scope;
import ai.lethe.train.RunFolder;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.ssd.Ssd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnlearnFisherCacheTest {
    static final String DATA = "synthetic:classes=4,train=192,test=48,channels=1,size=12,seed=5";
    @TempDir static Path dir;
    static Path base;

    @BeforeAll static void trainBase() {
        base = dir.resolve("base");
        Cli.Result r = Cli.run("train", "--model", "resnet18", "--width", "4", "--dataset", DATA, "--epochs", "1",
                "--batch-size", "32", "--out", base.toString(), "--workers", "1");
        assertEquals(0, r.code(), r.err());
    }

    static Cli.Result unlearn(String forget, Path out, String... more) {
        String[] args = {"--device", "cpu", "unlearn", "--model", base.toString(), "--forget", forget, "--method", "ssd",
                "--alpha", "2", "--out", out.toString(), "--workers", "1"};
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return Cli.run(all);
    }

    static void assertSameWeights(Path a, Path b) throws Exception {
        try (ImageModel x = Checkpoint.openModel(a.resolve("checkpoint"), Backends.defaultDevice());
             ImageModel y = Checkpoint.openModel(b.resolve("checkpoint"), Backends.defaultDevice())) {
            for (String k : x.namedParameters().keySet())
                assertArrayEquals(x.parameter(k).toFloatArray(), y.parameter(k).toFloatArray(), a + " vs " + b + ": " + k);
        }
    }

    @Test void theCacheIsSsdsOwnIdAndGivesTheSameModel() throws Exception {
        Path cache = dir.resolve("cache").resolve("fisher.safetensors");
        Cli.Result own = unlearn("class=1", dir.resolve("own"));
        assertEquals(0, own.code(), own.out() + own.err());
        Cli.Result writing = unlearn("class=1", dir.resolve("writing"), "--fisher-cache", cache.toString());
        assertEquals(0, writing.code(), writing.out() + writing.err());
        assertTrue(writing.out().contains("computing SSD's I_D over the"), writing.out());
        Cli.Result reading = unlearn("class=1", dir.resolve("reading"), "--fisher-cache", cache.toString());
        assertEquals(0, reading.code(), reading.out() + reading.err());
        assertTrue(reading.out().contains("SSD's I_D read from"), reading.out());
        assertSameWeights(dir.resolve("own"), dir.resolve("writing"));
        assertSameWeights(dir.resolve("own"), dir.resolve("reading"));
        assertTrue(Files.readString(dir.resolve("reading").resolve("unlearn.json")).contains("I_D: cached"));

        // the file against Ssd.computeFullFisher on the same model, data and request (as SSD runs without a cache),
        // and against the Fisher of D in training order (what the cache held before)
        Pipeline pipeline = Pipeline.load(DATA, false, 0);
        TaskData task = TaskData.of(pipeline, pipeline.data().train(), pipeline.data().test(), ForgetRequest.parse("class=1"), 0);
        UnlearnContext context = new UnlearnContext(task.sets().forget(), task.sets().retain(), task.numClasses(), task.split(),
                pipeline.evalTransform(), Backends.defaultDevice(), 0, 1, Optional.empty(), null, List.of());
        try (ImageModel model = Checkpoint.openModel(RunFolder.modelPath(base), Backends.defaultDevice()); Scope _ = Scope.open();
             FisherMap file = FisherMap.load(cache, model);
             FisherMap ssd = Ssd.computeFullFisher(model, context, "batch-mean", Ssd.DEFAULT_BATCH);
             FisherMap trainingOrder = FisherDiagonal.compute(model, DataLoader.builder(task.train()).batchSize(Ssd.DEFAULT_BATCH)
                     .shuffle(false).transform(pipeline.evalTransform()).device(Backends.defaultDevice()).workers(1).build(),
                     FisherKind.BATCH_MEAN)) {
            boolean sameAsTrainingOrder = true;
            for (String k : ssd.names()) {
                assertArrayEquals(ssd.get(k).toFloatArray(), file.get(k).toFloatArray(), k);
                sameAsTrainingOrder &= Arrays.equals(trainingOrder.get(k).toFloatArray(), file.get(k).toFloatArray());
            }
            assertFalse(sameAsTrainingOrder, "the training-order Fisher must differ here, or this test could not tell the orders apart");
            assertEquals(ssd.tags(), file.tags());
        }
    }

    @Test void aCacheOfAnotherComputationIsAUsageErrorAndKept() throws Exception {
        Path cache = dir.resolve("other").resolve("fisher.safetensors");
        Cli.Result made = unlearn("class=2", dir.resolve("made"), "--fisher-cache", cache.toString());
        assertEquals(0, made.code(), made.out() + made.err());
        byte[] before = Files.readAllBytes(cache);
        refused(unlearn("class=2", dir.resolve("r1"), "--fisher-cache", cache.toString(), "--batch-size", "32"),
                "batch size 64 (this run: 32)", dir.resolve("r1"));
        refused(unlearn("class=2", dir.resolve("r2"), "--fisher-cache", cache.toString(), "-o", "fisher=per-sample"),
                "Fisher batch-mean (this run: per-sample)", dir.resolve("r2"));
        refused(unlearn("class=3", dir.resolve("r3"), "--fisher-cache", cache.toString()), "another forget/retain split", dir.resolve("r3"));
        Cli.Result ft = Cli.run("--device", "cpu", "unlearn", "--model", base.toString(), "--forget", "class=2", "--method", "ft",
                "--fisher-cache", cache.toString(), "--out", dir.resolve("r4").toString());
        refused(ft, "ft does not read a cached Fisher", dir.resolve("r4"));
        assertArrayEquals(before, Files.readAllBytes(cache), "a refused cache is left as it was");

        Path plain = dir.resolve("plain.safetensors");
        try (ImageModel model = Checkpoint.openModel(RunFolder.modelPath(base), Backends.defaultDevice());
             FisherMap f = FisherDiagonal.compute(model, DataLoader.builder(Pipeline.load(DATA, false, 0).data().train()).batchSize(64)
                     .shuffle(false).device(Backends.defaultDevice()).workers(0).build(), FisherKind.BATCH_MEAN)) {
            f.save(plain);
        }
        refused(unlearn("class=2", dir.resolve("r5"), "--fisher-cache", plain.toString()), "records no provenance", dir.resolve("r5"));
    }

    private static void refused(Cli.Result r, String expected, Path out) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("--fisher-cache") && r.err().contains(expected), r.err());
        assertFalse(Files.exists(out), "nothing is written");
    }
}
