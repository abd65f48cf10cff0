// The Fisher diagonal's CUDA graphs on cuda-emu (FisherDiagonal with GraphedSteps): BATCH_MEAN and PER_SAMPLE over
// a small ResNet18-style model and a small ViT give bit for bit the diagonal of the same batches run eagerly (graphs
// off), while each replayed batch is one graph launch with no kernel launch, GEMM, capture, synchronisation or
// allocation from the host (the counts after each batch, taken in the progress callback); the first full batch runs
// eagerly, the second is captured, the partial last batch is eager. TRUE is never graphed.
package ai.lethe.fisher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.DeviceCounters;
import ai.lethe.data.TrainTest;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.train.GraphedSteps;
import ai.lethe.train.TrainingStepProxiesTest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FisherGraphsTest {
    /** 44 images in batches of 8: 5 full batches and one of 4. */
    static final TrainTest DATA = SyntheticImages.generate(new SyntheticOptions(3, 44, 8, 3, 8, 8, 5, 0.3));
    static final int BATCH = 8, BATCHES = 6, FULL = 5;

    record Run(List<float[]> values, List<DeviceCounters> perBatch) {}

    static Run compute(ModelConfig config, FisherKind kind, boolean graphs) {
        CudaBackend cuda = TrainingStepProxiesTest.emulatorForOtherPackages();
        List<DeviceCounters> perBatch = new ArrayList<>();
        try (ImageModel m = PerSampleFisherTest.model(config, cuda.device())) {
            DataLoader loader = PerSampleFisherTest.loader(DATA.train(), BATCH, cuda.device());
            DeviceCounters[] last = {cuda.counters()};
            try (FisherMap f = FisherDiagonal.compute(m, loader, kind, batches -> {
                DeviceCounters now = cuda.counters();
                perBatch.add(now.minus(last[0]));
                last[0] = now;
            }, graphs)) {
                assertEquals(44, f.samples());
                List<float[]> values = new ArrayList<>();
                for (String k : f.names()) values.add(f.get(k).toFloatArray());
                return new Run(values, perBatch);
            }
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(PerSampleFisherTest.RESNET, PerSampleFisherTest.VIT).flatMap(m -> Stream.of(FisherKind.BATCH_MEAN,
                FisherKind.PER_SAMPLE).map(k -> Arguments.of(m.modelName(), k, m)));
    }

    @ParameterizedTest(name = "{0} {1}") @MethodSource("cases")
    void replayedBatchesGiveTheEagerDiagonal(String name, FisherKind kind, ModelConfig config) {
        Run eager = compute(config, kind, false), graphed = compute(config, kind, true);
        assertEquals(eager.values().size(), graphed.values().size());
        for (int i = 0; i < eager.values().size(); i++)
            assertArrayEquals(eager.values().get(i), graphed.values().get(i), name + " " + kind + ": tensor " + i);
        assertEquals(BATCHES, graphed.perBatch().size());
        for (int b = 0; b < BATCHES; b++) {
            DeviceCounters c = graphed.perBatch().get(b), e = eager.perBatch().get(b);
            assertEquals(0, e.graphLaunches(), "eager batch " + b + ": " + e);
            boolean asGraph = b >= GraphedSteps.WARM_UP && b < FULL;
            assertEquals(asGraph ? 1 : 0, c.graphLaunches(), "batch " + b + ": " + c);
            if (b == GraphedSteps.WARM_UP) assertEquals(0, c.launches(), "the captured batch launches nothing itself: " + c);
            if (asGraph && b > GraphedSteps.WARM_UP) {   // replayed: nothing of the batch's own work from the host
                assertEquals(0, c.launches(), "kernel launches from Java in replayed batch " + b + ": " + c);
                assertEquals(0, c.gemmCalls(), c.toString());
                assertEquals(0, c.capturedOperations(), "replayed, not captured again: " + c);
                assertEquals(0, c.hostSynchronizations(), c.toString());
                assertEquals(0, c.deviceAllocations(), c.toString());
                assertEquals(2, c.deviceToDeviceCopies(), "the batch into the graph's inputs: " + c);
                assertEquals(2, c.hostToDeviceCopies(), "the loader's upload of the batch (no parameter block): " + c);
            }
        }
    }
}
