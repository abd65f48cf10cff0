// Run folders written through the command line never end up wrong: `lethe eval` writes its results beside a
// checkpoint folder (never into it) so a later `train --resume` can replace it; a run whose last/ a kill left
// between the two renames of a save is recovered by --resume and refused (with the fix) without it; leftovers of
// interrupted saves are cleaned; --resume with another --subset is refused before training-subset.json changes;
// `eval --model RUN/last` of an unfinished run, then `train --resume`, finishes the run.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderSafetyTest {
    static final String DATA = TrainEvalCommandTest.DATA;
    @TempDir Path dir;

    static String[] train(Path out, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "--model", "resnet18", "--width", "4", "--dataset", DATA,
                "--batch-size", "64", "--out", out.toString(), "--workers", "1"));
        a.addAll(List.of(extra));
        if (!a.contains("--epochs")) a.addAll(List.of("--epochs", "1"));
        return a.toArray(String[]::new);
    }

    static Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    static List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static final List<String> CHECKPOINT_FILES = List.of("model.safetensors", "optimizer.safetensors");

    @Test void evalOfACheckpointFolderWritesBesideItAndResumeStillWorks() throws IOException {
        Path run = dir.resolve("run");
        ok(train(run));
        for (String ckpt : List.of("checkpoint", "last")) {
            Cli.Result r = ok("eval", "--model", run.resolve(ckpt).toString(), "--forget", "class=1");
            assertEquals(CHECKPOINT_FILES, listing(run.resolve(ckpt)), ckpt + "/ holds only checkpoint files");
            assertTrue(Files.readString(run.resolve(ckpt + ".eval.json")).contains("\"forget-test\""), r.out());
            assertTrue(Files.readString(run.resolve(ckpt + ".split.json")).contains("class=1"));
            assertTrue(r.out().contains(run.resolve(ckpt + ".eval.json").toString()), r.out());
        }
        // the model file of a checkpoint folder counts as the folder
        ok("eval", "--model", run.resolve("best/model.safetensors").toString());
        assertTrue(Files.isRegularFile(run.resolve("best.eval.json")));
        assertFalse(Files.exists(run.resolve("best/eval.json")));
        // resuming (here: a finished run, which saves checkpoint/ and result.json again) replaces the folders
        ok(train(run, "--resume"));
        assertEquals(CHECKPOINT_FILES, listing(run.resolve("checkpoint")));
    }

    @Test void evalRefusesAJsonFileInsideACheckpointFolder() throws IOException {
        Path run = dir.resolve("run");
        ok(train(run));
        Cli.Result r = Cli.run("eval", "--model", run.toString(), "--json", run.resolve("last/eval.json").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--json") && r.err().contains("checkpoint folder"), r.err());
        assertEquals(CHECKPOINT_FILES, listing(run.resolve("last")));
    }

    @Test void resumeRefusesUpFrontWhenACheckpointFolderHoldsOtherFiles() throws IOException {
        Path run = dir.resolve("run");
        ok(train(run));
        Files.writeString(run.resolve("last/notes.txt"), "mine");
        Cli.Result r = Cli.run(train(run, "--resume"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--resume") && r.err().contains("notes.txt") && r.err().contains("move those files"), r.err());
    }

    @Test void aKillBetweenTheRenamesOfLastIsRecoveredByResumeAndRefusedWithoutIt() throws IOException {
        Path run = dir.resolve("run");
        ok(train(run));
        byte[] weights = Files.readAllBytes(run.resolve("last/model.safetensors"));
        Files.delete(run.resolve("result.json"));   // as if killed before the run finished
        // the state between the two renames of a save of last/: the old copy aside, the new one not yet in place
        Files.move(run.resolve("last"), run.resolve(".last.old-1a2b3c"));
        Files.createDirectories(run.resolve(".last.tmp-4d5e6f"));
        Files.writeString(run.resolve(".last.tmp-4d5e6f/model.safetensors"), "half");

        Cli.Result fresh = Cli.run(train(run));
        assertEquals(2, fresh.code(), fresh.err());
        assertTrue(fresh.err().contains("--out") && fresh.err().contains("already holds a run") && fresh.err().contains("--resume")
                && fresh.err().contains("another folder"), fresh.err());
        assertTrue(Files.exists(run.resolve(".last.old-1a2b3c")), "nothing changed by the refused run");

        Cli.Result resumed = ok(train(run, "--resume"));
        assertTrue(resumed.err().contains("restored"), resumed.err());
        assertArrayEquals(weights, Files.readAllBytes(run.resolve("last/model.safetensors")), "the previous last/ is back");
        assertTrue(Files.isRegularFile(run.resolve("result.json")));
        assertEquals(List.of(), listing(run).stream().filter(n -> n.startsWith(".")).toList(), "leftovers cleaned");
    }

    @Test void aFolderHoldingSomethingElseIsRefusedWithoutResume() throws IOException {
        Path out = dir.resolve("busy");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        Cli.Result r = Cli.run(train(out));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--out") && r.err().contains("not empty") && r.err().contains("notes.txt"), r.err());
        assertEquals(List.of("notes.txt"), listing(out));
    }

    @Test void resumeWithAnotherSubsetIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path run = dir.resolve("run");
        ok(train(run, "--subset", "100"));
        Path subsetFile = run.resolve(CliData.TRAINING_SUBSET);
        byte[] recorded = Files.readAllBytes(subsetFile);
        for (List<String> other : List.of(List.of("--subset", "50"), List.<String>of())) {
            String[] args = train(run, java.util.stream.Stream.concat(other.stream(), Stream.of("--resume")).toArray(String[]::new));
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("--subset") && r.err().contains("100 samples"), r.err());
            assertArrayEquals(recorded, Files.readAllBytes(subsetFile), "training-subset.json unchanged");
        }
        ok(train(run, "--subset", "100", "--resume"));
        Path whole = dir.resolve("whole");
        ok(train(whole));
        Cli.Result r = Cli.run(train(whole, "--subset", "100", "--resume"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--subset") && r.err().contains("whole training set"), r.err());
        assertFalse(Files.exists(whole.resolve(CliData.TRAINING_SUBSET)));
    }

    @Test void resumeWithAnotherModelIsRefused() throws IOException {
        Path run = dir.resolve("run");
        ok(train(run));
        String[] args = train(run, "--resume");
        args[4] = "8";   // --width 8 instead of 4
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--resume") && r.err().contains("model"), r.err());
    }

    @Test void whatARunKilledInItsFirstEpochLeftIsReplacedByANewRun() throws IOException {
        Path out = dir.resolve("restart");
        Files.createDirectories(out.resolve(".last.tmp-0a0b0c"));
        Files.writeString(out.resolve(".last.tmp-0a0b0c/model.safetensors"), "half");
        Files.writeString(out.resolve(CliData.TRAINING_SUBSET), "{}");
        Files.writeString(out.resolve("metrics.jsonl"), "{\"epoch\":1}\n");
        ok(train(out));
        assertEquals(List.of("best", "checkpoint", "last", "metrics.jsonl", "result.json"), listing(out));
        assertEquals(1, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertFalse(Files.readString(out.resolve("metrics.jsonl")).startsWith("{\"epoch\":1}"), "the old line is gone");
    }

    @Test void evalOfLastInAnUnfinishedRunThenResumeFinishesIt() throws Exception {
        // an unfinished run exactly as `train --epochs 2` makes it, stopped after epoch 1: the recipe, model and
        // dataset are the ones a finished CLI run records
        Path done = dir.resolve("done"), run = dir.resolve("run");
        ok(train(done, "--epochs", "2"));
        ai.lethe.train.TrainConfig recipe = ai.lethe.train.RunFolder.recipeOf(done).orElseThrow();
        ai.lethe.models.ModelConfig modelConfig;
        try (var m = ai.lethe.io.Checkpoint.openModel(done.resolve("checkpoint"), ai.lethe.backend.Backends.defaultDevice())) {
            modelConfig = m.config();
        }
        var pipeline = ai.lethe.data.pipeline.Pipeline.load(DATA, recipe.augment(), 0);
        try (var m = ai.lethe.models.Models.create(modelConfig, new ai.lethe.tensor.Generator(0)).to(ai.lethe.backend.Backends.defaultDevice())) {
            var stop = new ai.lethe.train.TrainListener() {
                @Override public void onEpoch(ai.lethe.train.EpochStats e) { throw new IllegalStateException("stopped"); }
            };
            var trainer = ai.lethe.train.Trainer.builder(m, pipeline.data().train(), recipe).validation(pipeline.data().test())
                    .transforms(pipeline.trainTransform(), pipeline.evalTransform()).datasetName(pipeline.data().name())
                    .runFolder(ai.lethe.train.RunFolder.create(run)).listener(stop).build();
            assertThrows(IllegalStateException.class, trainer::fit);
        }
        assertEquals(1, ai.lethe.io.Checkpoint.readInfo(run.resolve("last")).epoch());

        ok("eval", "--model", run.resolve("last").toString(), "--forget", "class=2");
        ok(train(run, "--epochs", "2", "--resume"));   // replaces last/: it must hold only checkpoint files
        assertTrue(Files.isRegularFile(run.resolve("last.eval.json")) && Files.isRegularFile(run.resolve("last.split.json")));
        assertEquals(2, ai.lethe.io.Checkpoint.readInfo(run.resolve("last")).epoch());
        assertTrue(Files.isRegularFile(run.resolve("result.json")));
        assertEquals(CHECKPOINT_FILES, listing(run.resolve("last")));
    }
}
