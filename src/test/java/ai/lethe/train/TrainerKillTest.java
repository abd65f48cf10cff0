// A run folder after a process is killed at each moment of an epoch's end (left as the kill would, through the
// trainer's fault seam, or rebuilt as older code left it): resuming yields the weights, metrics.jsonl lines and
// best/ and epochs/ copies of an uninterrupted run (timings aside), with no hidden leftovers.
package ai.lethe.train;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerKillTest {
    @TempDir static Path shared;
    @TempDir Path dir;

    static final int EPOCHS = 2;
    static Map<String, float[]> straightWeights, straightBest;
    static List<Map<String, Object>> straightMetrics;
    static long straightBestEpoch;

    @BeforeAll static void straightRun() throws IOException {
        RunFolder run = RunFolder.create(shared.resolve("straight"));
        try (ImageModel m = TrainerTest.model(5)) {
            trainer(m, run, Trainer.FaultPoint.NONE).fit();
            straightWeights = TrainerTest.weights(m);
        }
        straightMetrics = metrics(run);
        assertEquals(EPOCHS, straightMetrics.size());
        try (ImageModel best = Checkpoint.openModel(run.best(), TrainerTest.defaultDevice())) {
            straightBest = TrainerTest.weights(best);
        }
        straightBestEpoch = Checkpoint.readInfo(run.best()).epoch();
    }

    static Trainer trainer(ImageModel m, RunFolder run, Trainer.FaultPoint faults) {
        return Trainer.builder(m, TrainerTest.DATA.train(), TrainerTest.config(EPOCHS)).validation(TrainerTest.DATA.test())
                .transforms(ai.lethe.data.transform.Transforms.preset(ai.lethe.data.transform.Transforms.Recipe.MNIST, true,
                        TrainerTest.DATA.train().shape(), TrainerTest.MEAN, TrainerTest.STD),
                        ai.lethe.data.transform.Transforms.eval(TrainerTest.MEAN, TrainerTest.STD))
                .runFolder(run).keepEveryEpoch(true).faultPoint(faults).build();
    }

    /** metrics.jsonl's lines without the timings (which differ between runs). */
    static List<Map<String, Object>> metrics(RunFolder run) throws IOException {
        var json = JsonMapper.builder().build();
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.metrics())) {
            @SuppressWarnings("unchecked") Map<String, Object> m = new LinkedHashMap<>(json.readValue(line, Map.class));
            m.remove("seconds");
            m.remove("images_per_second");
            out.add(m);
        }
        return out;
    }

    static final class Killed extends RuntimeException {
        Killed(String point) { super("killed at " + point); }
    }

    /** Trains in {@code run} until the fault point {@code point} of epoch {@code epoch}, where it "dies". */
    static void trainUntilKilled(RunFolder run, String point, int epoch) {
        try (ImageModel m = TrainerTest.model(5)) {
            assertThrows(Killed.class, () -> trainer(m, run, (p, e) -> {
                if (p.equals(point) && e == epoch) throw new Killed(p);
            }).fit());
        }
    }

    /** Resumes {@code run} and checks it ends as the uninterrupted run did. */
    static void resumeAndCompare(RunFolder run) throws IOException {
        try (ImageModel m = TrainerTest.model(99)) {   // another init: every weight must come from the checkpoint
            TrainResult r = trainer(m, run, Trainer.FaultPoint.NONE).resume();
            assertEquals(EPOCHS, r.history().size());
            Map<String, float[]> w = TrainerTest.weights(m);
            for (String k : straightWeights.keySet()) assertArrayEquals(straightWeights.get(k), w.get(k), k);
        }
        assertEquals(straightMetrics, metrics(run), "metrics.jsonl");
        assertEquals(straightBestEpoch, Checkpoint.readInfo(run.best()).epoch(), "best/ epoch");
        try (ImageModel best = Checkpoint.openModel(run.best(), TrainerTest.defaultDevice())) {
            Map<String, float[]> w = TrainerTest.weights(best);
            for (String k : straightBest.keySet()) assertArrayEquals(straightBest.get(k), w.get(k), "best/ " + k);
        }
        for (int e = 1; e <= EPOCHS; e++) assertEquals(e, Checkpoint.readInfo(run.epoch(e)).epoch());
        try (Stream<Path> s = Files.list(run.root())) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList(), "leftovers");
        }
    }

    @Test void killedAfterTheMetricsLineBeforeTheCheckpoint() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("run"));
        trainUntilKilled(run, "metrics-appended", 1);
        assertEquals(2, Files.readAllLines(run.metrics()).size(), "the line of epoch 2 is on disk");
        assertEquals(1, Checkpoint.readInfo(run.last()).epoch(), "its checkpoint is not");
        resumeAndCompare(run);   // epoch 2 is trained again; its line is not duplicated
    }

    @Test void killedAfterLastBeforeTheEpochAndBestCopies() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("run"));
        trainUntilKilled(run, "last-saved", 1);
        assertEquals(2, Checkpoint.readInfo(run.last()).epoch());
        assertFalse(Files.exists(run.epoch(2)));
        resumeAndCompare(run);   // nothing left to train: the missing copies are written from last/
    }

    @Test void aMetricsLineLostAfterTheCheckpointIsWrittenAgain() throws IOException {
        // what a kill between the checkpoint save and the metrics write left before lines were written first
        RunFolder run = RunFolder.create(dir.resolve("run"));
        trainUntilKilled(run, "metrics-appended", 1);
        Files.writeString(run.metrics(), "");
        resumeAndCompare(run);
    }

    @Test void killedBetweenTheTwoRenamesOfLast() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("run"));
        trainUntilKilled(run, "metrics-appended", 1);
        // the next save of last/ had moved the old copy aside and not yet moved the new one in
        try (ImageModel other = TrainerTest.model(7)) {
            Checkpoint.save(run.root().resolve("scratch"), other, null, ai.lethe.io.CheckpointInfo.of("{}", "x", 9, 0));
        }
        Files.move(run.root().resolve("scratch"), run.root().resolve(".last.tmp-0a1b2c"));
        Files.move(run.last(), run.root().resolve(".last.old-3d4e5f"));
        assertTrue(run.hasLatestEpoch());
        resumeAndCompare(run);
    }
}
