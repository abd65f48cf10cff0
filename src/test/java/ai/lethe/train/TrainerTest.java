// The trainer on a small synthetic task: it learns, writes its run folder (checkpoints, metrics, result),
// stops with a clear message when the loss diverges, and a run stopped after epoch 1 and resumed ends with
// exactly the weights of an uninterrupted run.
package ai.lethe.train;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.TrainTest;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.data.transform.Transform;
import ai.lethe.data.transform.Transforms;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir Path dir;

    static final TrainTest DATA = SyntheticImages.generate(new SyntheticOptions(4, 512, 128, 1, 12, 12, 3, 0.1));
    static final ResNetConfig MODEL = new ResNetConfig(1, 4, 4, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1));
    static final double[] MEAN = {0.5}, STD = {0.25};

    static TrainConfig config(int epochs) {
        return TrainConfig.unlearnSparse(epochs).toBuilder().batchSize(64).lr(0.05).seed(11).workers(2).build();
    }

    static Trainer trainer(ImageModel model, TrainConfig config, RunFolder run, TrainListener... extra) {
        Transform trainT = Transforms.preset(Transforms.Recipe.MNIST, true, DATA.train().shape(), MEAN, STD);
        var b = Trainer.builder(model, DATA.train(), config).validation(DATA.test())
                .transforms(trainT, Transforms.eval(MEAN, STD)).runFolder(run);
        for (TrainListener l : extra) b.listener(l);
        return b.build();
    }

    static ImageModel model(long seed) { return Models.create(MODEL, new Generator(seed)).to(defaultDevice()); }

    static Device defaultDevice() { return ai.lethe.backend.Backends.defaultDevice(); }

    @Test void learnsAndWritesTheRunFolder() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("run"));
        try (ImageModel m = model(1)) {
            TrainResult r = trainer(m, config(6), run).fit();
            assertEquals(6, r.history().size());
            assertTrue(r.last().valAccuracy() > 0.9, "validation accuracy " + r.last().valAccuracy());
            assertTrue(r.last().trainLoss() < r.history().getFirst().trainLoss());
        }
        for (Path p : List.of(run.checkpoint(), run.last(), run.best(), run.metrics(), run.result()))
            assertTrue(Files.exists(p), p + " missing");
        assertEquals(6, Files.readAllLines(run.metrics()).size());
        String result = Files.readString(run.result());
        assertTrue(result.contains("\"test_accuracy\"") && result.contains("\"unlearn-sparse\""), result);
        try (ImageModel reopened = Checkpoint.openModel(run.checkpoint(), defaultDevice())) {
            assertEquals(MODEL, reopened.config());
        }
        assertEquals(6, Checkpoint.readInfo(run.checkpoint()).epoch());
    }

    @Test void divergenceStopsWithAClearMessage() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("nan"));
        try (ImageModel m = model(1)) {
            TrainConfig wild = config(2).toBuilder().lr(1e12).momentum(0).build();
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> trainer(m, wild, run).fit());
            assertTrue(e.getMessage().contains("learning rate 1.0E12") && e.getMessage().contains("epoch 1"), e.getMessage());
        }
    }

    @Test void aResumedRunEndsWithTheWeightsOfAnUninterruptedOne() throws IOException {
        Map<String, float[]> straight;
        try (ImageModel m = model(5)) {
            trainer(m, config(2), RunFolder.create(dir.resolve("straight"))).fit();
            straight = weights(m);
        }
        RunFolder run = RunFolder.create(dir.resolve("killed"));
        try (ImageModel m = model(5)) {
            TrainListener kill = new TrainListener() {
                @Override public void onEpoch(EpochStats e) { throw new IllegalStateException("killed after epoch " + (e.epoch() + 1)); }
            };
            assertThrows(IllegalStateException.class, () -> trainer(m, config(2), run, kill).fit());
        }
        try (ImageModel m = model(99)) {   // another init: every weight must come from the checkpoint
            TrainResult r = trainer(m, config(2), run).resume();
            assertEquals(2, r.history().size());
            Map<String, float[]> resumed = weights(m);
            assertEquals(straight.keySet(), resumed.keySet());
            for (String k : straight.keySet()) assertArrayEquals(straight.get(k), resumed.get(k), k);
        }
        assertEquals(2, Files.readAllLines(run.metrics()).size());
    }

    @Test void resumeRefusesAnotherConfig() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("other"));
        try (ImageModel m = model(5)) {
            trainer(m, config(1), run).fit();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer(m, config(1).toBuilder().lr(0.2).build(), run).resume());
            assertTrue(e.getMessage().contains("resume"), e.getMessage());
        }
    }

    static Map<String, float[]> weights(ImageModel m) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet())
            if (e.getValue().dtype().isFloatingPoint()) out.put(e.getKey(), e.getValue().toFloatArray());
        return out;
    }
}
