// The trainer's CUDA graphs on cuda-emu (GraphedSteps, CapturedStep): an epoch with graphs gives bit for bit the
// weights, losses and accuracies of the same epoch run eagerly (graphs off) — for SGD with momentum under a warm-up
// schedule (the learning rate changes every step) and for AdamW (its bias corrections change every step), on a small
// ResNet18 and a small ViT — with the first full batch eager, the second captured, every later full batch a replay of
// that graph (one graph launch, the step's scalars in its parameter block; the host builds no step), and the last,
// partial batch eager. With graphs the batches come through GraphedSteps.prefetch (a copy stream and events, which the
// emulator's stream-order model checks).
package ai.lethe.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.DeviceCounters;
import ai.lethe.data.TrainTest;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.data.transform.Transforms;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerGraphsTest {
    /** 76 training images in batches of 8: 9 full batches and one of 4 an epoch. */
    static final TrainTest DATA = SyntheticImages.generate(new SyntheticOptions(4, 76, 8, 1, 12, 12, 3, 0.1));

    record Run(List<float[]> weights, TrainResult result, DeviceCounters counters) {}

    static Run train(ModelConfig modelConfig, TrainConfig config, boolean graphs) {
        CudaBackend cuda = TrainingStepProxiesTest.emulator();
        Generator.global().setState(11, 0);
        try (ImageModel model = Models.create(modelConfig, new Generator(2)).to(cuda.device())) {
            Trainer t = Trainer.builder(model, DATA.train(), config).transforms(Transforms.eval(TrainerTest.MEAN, TrainerTest.STD), null)
                    .logEvery(4).cudaGraphs(graphs).build();
            DeviceCounters before = cuda.counters();
            TrainResult r = t.fit();
            DeviceCounters c = cuda.counters().minus(before);
            List<float[]> w = new ArrayList<>();
            for (Tensor p : model.parameters()) w.add(p.toFloatArray());
            return new Run(w, r, c);
        }
    }

    static void sameWithAndWithoutGraphs(ModelConfig model, TrainConfig config) {
        Run eager = train(model, config, false), graphs = train(model, config, true);
        assertEquals(eager.weights().size(), graphs.weights().size());
        for (int i = 0; i < eager.weights().size(); i++)
            assertArrayEquals(eager.weights().get(i), graphs.weights().get(i), "parameter " + i + " after " + config.epochs() + " epochs");
        for (int e = 0; e < config.epochs(); e++) {
            assertEquals(eager.result().history().get(e).trainLoss(), graphs.result().history().get(e).trainLoss(), "epoch " + e + " loss");
            assertEquals(eager.result().history().get(e).trainAccuracy(), graphs.result().history().get(e).trainAccuracy());
        }
        assertEquals(0, eager.counters().graphLaunches());
        // 10 steps an epoch: 9 full batches, the first of the run eager; the partial batch eager
        assertEquals(9L * config.epochs() - GraphedSteps.WARM_UP, graphs.counters().graphLaunches(), graphs.counters().toString());
        assertTrue(graphs.counters().launches() < eager.counters().launches() / 3,
                "kernel launches outside graphs: " + graphs.counters().launches() + " vs " + eager.counters().launches() + " eagerly");
        // captured once, then replayed: the graph holds one step's work, fewer operations than two eager steps queue
        long steps = 10L * config.epochs(), perEagerStep = (eager.counters().launches() + eager.counters().gemmCalls()) / steps;
        assertTrue(graphs.counters().capturedOperations() > 0 && graphs.counters().capturedOperations() < 2 * perEagerStep,
                "captured operations " + graphs.counters().capturedOperations() + " (one step's work, or about "
                        + perEagerStep + " launches and GEMMs eagerly)");
        assertEquals(eager.counters().hostSynchronizations(), graphs.counters().hostSynchronizations());
        // the full batches reach the graph through the input ring's copy stream: a device-to-device take per input
        assertTrue(graphs.counters().deviceToDeviceCopies() >= 2 * graphs.counters().graphLaunches(), graphs.counters().toString());
        // every full batch, the eager first one too, is copied to the device on that stream (images and labels)
        assertEquals(2 * 9L * config.epochs(), graphs.counters().asyncHostToDeviceCopies(), graphs.counters().toString());
        assertEquals(0, eager.counters().asyncHostToDeviceCopies(), eager.counters().toString());
    }

    @Test void sgdWithAWarmUpScheduleGivesTheEagerWeightsOnAResNet() {
        TrainConfig config = TrainConfig.unlearnSparse(2).toBuilder().batchSize(8).lr(0.05).momentum(0.9).warmupEpochs(1)
                .seed(4).workers(2).build();
        sameWithAndWithoutGraphs(TrainingStepProxiesTest.RESNET18, config);
    }

    @Test void adamWGivesTheEagerWeightsOnAViT() {
        TrainConfig config = TrainConfig.unlearnSparse(1).toBuilder().batchSize(8).optimizer(TrainConfig.OptimizerKind.ADAMW).lr(1e-3)
                .weightDecay(0.05).seed(5).workers(2).build();
        sameWithAndWithoutGraphs(TrainingStepProxiesTest.VIT, config);
    }
}
