// The trainer reads its loss and accuracy from the device every logEvery steps (StepWindow) instead of after every
// step; on cpu that must change no number and no behaviour. Checked against an independent reference — the loop as it
// was before, reading loss.item() and the correct count after every step — exactly (==, not within a tolerance: the
// same float32 losses are summed as float64 in the same order), for the per-step StepStats, the epoch's training loss
// and accuracy and the final weights; and the divergence stop names the same step whichever window it falls in.
package ai.lethe.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Transform;
import ai.lethe.data.transform.Transforms;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.SGD;
import ai.lethe.optim.schedule.LambdaLR;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerWindowTest {
    static final Transform TRAIN_T = Transforms.preset(Transforms.Recipe.MNIST, true, TrainerTest.DATA.train().shape(),
            TrainerTest.MEAN, TrainerTest.STD);

    /** 2 epochs of 8 steps (512 samples, batch 64), no validation, workers on. */
    static TrainConfig config() { return TrainerTest.config(2).toBuilder().workers(2).build(); }

    record Run(List<StepStats> steps, List<EpochStats> epochs, Map<String, float[]> weights) {}

    static Run train(int logEvery) {
        List<StepStats> steps = new ArrayList<>();
        try (ImageModel m = TrainerTest.model(3)) {
            TrainResult r = Trainer.builder(m, TrainerTest.DATA.train(), config()).transforms(TRAIN_T, Transforms.eval(TrainerTest.MEAN, TrainerTest.STD))
                    .logEvery(logEvery).listener(new TrainListener() {
                        @Override public void onStep(StepStats s) { steps.add(s); }
                    }).build().fit();
            return new Run(steps, r.history(), TrainerTest.weights(m));
        }
    }

    /** The loop as the trainer ran it before logEvery: loss.item() and the correct count read after every step. */
    static Run reference() {
        TrainConfig c = config();
        Device device = TrainerTest.defaultDevice();
        List<StepStats> steps = new ArrayList<>();
        List<EpochStats> epochs = new ArrayList<>();
        try (ImageModel m = TrainerTest.model(3)) {
            DataLoader loader = DataLoader.builder(TrainerTest.DATA.train()).batchSize(c.batchSize()).shuffle(true).seed(c.seed())
                    .dropLast(false).transform(TRAIN_T).device(device).workers(c.workers()).build();
            int perEpoch = loader.numBatches();
            try (SGD opt = SGD.builder(m.parameters()).lr(c.lr()).momentum(c.momentum()).weightDecay(c.weightDecay())
                    .nesterov(c.nesterov()).build()) {
                LambdaLR schedule = new LambdaLR(opt, it -> c.lrFactor(it, perEpoch));
                for (int epoch = 0; epoch < c.epochs(); epoch++) {
                    m.train();
                    double lossSum = 0, lr = 0;
                    long correct = 0, seen = 0;
                    int step = 0;
                    try (Epoch batches = loader.epoch(epoch)) {
                        for (Batch batch : batches) {
                            try (batch; Scope _ = Scope.open("reference-step")) {
                                lr = opt.lr();
                                Tensor logits = m.forward(batch.images());
                                Tensor loss = F.crossEntropy(logits, batch.labels(), F.Reduction.MEAN, c.labelSmoothing());
                                double value = loss.item();
                                opt.zeroGrad();
                                loss.backward();
                                opt.step();
                                schedule.step();
                                correct += (long) logits.argmax(1).eq(batch.labels()).sum().item();
                                lossSum += value * batch.size();
                                seen += batch.size();
                                steps.add(new StepStats(epoch, step, perEpoch, value, lr, batch.size()));
                                step++;
                            }
                        }
                    }
                    opt.zeroGrad();
                    epochs.add(new EpochStats(epoch, c.epochs(), lossSum / seen, (double) correct / seen, Double.NaN, Double.NaN,
                            lr, 0, 0));
                }
            }
            return new Run(steps, epochs, TrainerTest.weights(m));
        }
    }

    static void assertSameNumbers(Run expected, Run actual, String what) {
        assertEquals(expected.steps(), actual.steps(), what + ": every step's stats, in order");
        assertEquals(expected.epochs().size(), actual.epochs().size());
        for (int e = 0; e < expected.epochs().size(); e++) {
            EpochStats x = expected.epochs().get(e), y = actual.epochs().get(e);
            assertEquals(x.trainLoss(), y.trainLoss(), 0.0, what + ": epoch " + e + " training loss");
            assertEquals(x.trainAccuracy(), y.trainAccuracy(), 0.0, what + ": epoch " + e + " training accuracy");
            assertEquals(x.lr(), y.lr(), 0.0, what + ": epoch " + e + " last learning rate");
        }
        assertEquals(expected.weights().keySet(), actual.weights().keySet());
        for (String k : expected.weights().keySet()) assertArrayEquals(expected.weights().get(k), actual.weights().get(k), what + ": " + k);
    }

    @Test void windowsOfAnySizeGiveThePerStepLoopsNumbersExactly() {
        Run reference = reference();
        assertEquals(16, reference.steps().size());
        assertTrue(reference.epochs().getLast().trainLoss() < reference.epochs().getFirst().trainLoss(), "it learns");
        assertSameNumbers(reference, train(1), "logEvery 1");
        assertSameNumbers(reference, train(3), "logEvery 3 (windows of 3, 3, 2 steps)");
        assertSameNumbers(reference, train(Trainer.DEFAULT_LOG_EVERY), "the default, one read an epoch here");
    }

    @Test void divergenceNamesTheStepWhereTheLossFirstStoppedBeingFiniteInAnyWindow() {
        TrainConfig wild = config().toBuilder().lr(1e12).momentum(0).build();
        List<String> messages = new ArrayList<>();
        for (int logEvery : new int[] {1, 5, Trainer.DEFAULT_LOG_EVERY}) {
            List<StepStats> seen = new ArrayList<>();
            try (ImageModel m = TrainerTest.model(1)) {
                Trainer t = Trainer.builder(m, TrainerTest.DATA.train(), wild).transforms(TRAIN_T, null).logEvery(logEvery)
                        .listener(new TrainListener() {
                            @Override public void onStep(StepStats s) { seen.add(s); }
                        }).build();
                TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::fit);
                messages.add(e.getMessage());
                assertTrue(seen.stream().allMatch(s -> Double.isFinite(s.loss())), "listeners saw only the steps before it");
            }
        }
        assertTrue(messages.getFirst().contains("learning rate 1.0E12"), messages.getFirst());
        assertEquals(List.of(messages.getFirst(), messages.getFirst(), messages.getFirst()), messages,
                "the same step and loss whether read after every step or in windows");
    }

    @Test void logEveryMustBePositive() {
        try (ImageModel m = TrainerTest.model(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.builder(m, TrainerTest.DATA.train(), config()).logEvery(0));
            assertTrue(e.getMessage().contains("logEvery"), e.getMessage());
        }
    }
}
