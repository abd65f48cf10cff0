// The unlearning TrainingLoop on cuda-emu makes no host read inside a step: a fine-tune epoch of 10 steps synchronises
// ceil(10 / logEvery) times plus a constant (the same constant for every logEvery), and reading every step or every 50
// steps, with CUDA graphs or without, gives bit for bit the same weights, per-step losses (as the listeners see them) and
// log lines. With graphs the batches come from the host through the input ring's copy stream (GraphedSteps.prefetch),
// overlapping the step before them. The settings come through the system properties the CLI's --log-every and
// --no-cuda-graphs set.
package ai.lethe.unlearn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lethe.backend.GraphCapture;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.DeviceCounters;
import ai.lethe.data.TrainTest;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.data.transform.Transforms;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.StepStats;
import ai.lethe.train.TrainListener;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.UnlearnContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrainingLoopReadsTest {
    /** 80 images in batches of 8: 10 full steps an epoch. */
    static final TrainTest DATA = SyntheticImages.generate(new SyntheticOptions(4, 80, 8, 1, 12, 12, 3, 0.1));

    record Run(List<float[]> weights, List<Double> stepLosses, List<String> log, DeviceCounters counters) {}

    static Run fineTune(int logEvery, boolean graphs) {
        CudaBackend cuda = ai.lethe.train.TrainingStepProxiesTest.emulatorForOtherPackages();
        String oldEvery = System.getProperty(TrainingLoop.LOG_EVERY_PROPERTY), oldGraphs = System.getProperty(GraphCapture.PROPERTY);
        System.setProperty(TrainingLoop.LOG_EVERY_PROPERTY, Integer.toString(logEvery));
        System.setProperty(GraphCapture.PROPERTY, Boolean.toString(graphs));
        List<Double> losses = new ArrayList<>();
        TrainListener listener = new TrainListener() {
            @Override public void onStep(StepStats s) { losses.add(s.loss()); }
        };
        try (ImageModel model = Models.create(new ResNetConfig(1, 4, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS),
                new Generator(2)).to(cuda.device())) {
            UnlearnContext context = new UnlearnContext(DATA.test(), DATA.train(), 4, null,
                    Transforms.eval(new double[] {0.5}, new double[] {0.25}), cuda.device(), 7, 2, Optional.empty(), null, List.of(listener));
            FineTune ft = new FineTune(new MethodOptions("ft", Map.of("epochs", "1", "batch-size", "8", "lr", "0.02")));
            List<String> log = new ArrayList<>();
            DeviceCounters before = cuda.counters();
            ft.apply(model, context, log);
            DeviceCounters c = cuda.counters().minus(before);
            List<float[]> w = new ArrayList<>();
            for (Tensor p : model.parameters()) w.add(p.toFloatArray());
            log.replaceAll(l -> l.replaceAll(", [0-9.]+ s$", ""));   // the time differs
            return new Run(w, losses, log, c);
        } finally {
            restore(TrainingLoop.LOG_EVERY_PROPERTY, oldEvery);
            restore(GraphCapture.PROPERTY, oldGraphs);
        }
    }

    static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    @Test
    void theLossIsReadEveryLogEveryStepsAndTheResultsDoNotDependOnItOrOnGraphs() {
        Run every = fineTune(1, false), three = fineTune(3, false), fifty = fineTune(50, false), graphs = fineTune(50, true);
        long constant = fifty.counters().hostSynchronizations() - 1;
        assertEquals(10 + constant, every.counters().hostSynchronizations(), every.counters().toString());
        assertEquals(4 + constant, three.counters().hostSynchronizations(), three.counters().toString());
        assertEquals(1 + constant, graphs.counters().hostSynchronizations(), graphs.counters().toString());
        assertEquals(10, every.stepLosses().size());
        for (Run r : List.of(three, fifty, graphs)) {
            assertEquals(every.stepLosses(), r.stepLosses());
            assertEquals(every.log(), r.log());
            for (int i = 0; i < every.weights().size(); i++) assertArrayEquals(every.weights().get(i), r.weights().get(i), "parameter " + i);
        }
        assertEquals(0, fifty.counters().graphLaunches());
        assertEquals(9, graphs.counters().graphLaunches(), "10 full batches, the first eager");
        // with graphs every full batch (the eager first one too) reaches the device on the input ring's copy stream,
        // images and labels, while the step before it runs; without, the loader uploads them on the compute stream
        assertEquals(20, graphs.counters().asyncHostToDeviceCopies(), graphs.counters().toString());
        assertEquals(0, fifty.counters().asyncHostToDeviceCopies(), fifty.counters().toString());
    }
}
