// Trojan model cleanse on cuda-emu (the CUDA kernels on the emulator), small enough for CI, with the cpu backend as
// the independent reference, on real Fashion-MNIST (1,500 training images of which 10% carry a white 4x4 BadNets
// trigger relabelled to class 0; 200 test images):
//  1. poisoned training runs on cuda-emu: one epoch on the first 600 of them (the poisoned ones among them included) from the same
//     initial weights (width-4 ResNet18) on cuda-emu and on cpu gives models
//     whose predictions agree on at least 95% of the clean test images — devices sum in different
//     orders, so not bit-identical;
//  2. a backdoored model (width 8, trained on cpu for 3 epochs, where it learns the trigger: non-target ASR > 0.3) evaluated on
//     cuda-emu has the SA, ASR and non-target ASR cpu measures for the same weights (within 2 points);
//  3. `--forget poisoned` on cuda-emu: Df is exactly the poisoned samples, FT on Dr runs on cuda-emu, and its
//     unlearned model's SA/ASR measured on cuda-emu match cpu's measurement of the same weights (within 2 points).
package ai.lethe.experiment;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.Subset;
import ai.lethe.data.poison.PoisonSpec;
import ai.lethe.data.poison.Poisoned;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.PoisonForget;
import ai.lethe.eval.MetricSet;
import ai.lethe.eval.UnlearnMetrics;
import ai.lethe.io.Checkpoint;
import ai.lethe.io.CheckpointInfo;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.testing.TestBackends;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.Trainer;
import ai.lethe.unlearn.FashionForgetTask;
import ai.lethe.unlearn.Unlearners;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackdoorCudaEmuTest {
    static final Device CPU = Device.CPU, EMU = Device.parse("cuda-emu");
    static final double TOLERANCE = 0.02;

    @Test void badnetsTrainsForgetsAndMeasuresAsrOnCudaEmuAsOnCpu(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        if (!TestBackends.devices().contains(EMU)) {
            Assumptions.assumeTrue(TestBackends.optional("cuda-emu"), "cuda-emu is expected but unavailable");
            Assumptions.abort("cuda-emu is unavailable (built with -Dlethe.cuda=optional): " + Backends.byName("cuda-emu").availability().reason());
        }
        Pipeline pipeline = Pipeline.load("fashion-mnist", false, 0);
        TaskData task = TaskData.of(pipeline, 1500, 200, 0, Optional.of(PoisonSpec.parse("badnets:ratio=0.1,target=0,size=4,value=1")),
                new PoisonForget(), 0);
        Poisoned poisoned = (Poisoned) task.train();
        assertEquals(150, poisoned.count());
        assertArrayEquals(poisoned.indices(), task.split().forget(), "Df is exactly the poisoned samples");
        var small = new ResNetConfig(1, 10, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);
        var config = new ResNetConfig(1, 10, 8, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);
        TrainConfig recipe = TrainConfig.preset("ssd", 3).toBuilder().optimizer(TrainConfig.OptimizerKind.ADAMW).lr(0.002).weightDecay(0.01)
                .batchSize(32).augment(false).seed(0).workers(1).build();

        // 1. one epoch of poisoned training on each device from the same initial weights
        TrainConfig oneEpoch = recipe.toBuilder().epochs(1).batchSize(64).build();
        Dataset firstPart = new Subset(task.train(), java.util.stream.IntStream.range(0, 600).toArray(), "first 600");
        try (ImageModel onEmu = Models.create(small, new Generator(0)).to(EMU); ImageModel onCpu = Models.create(small, new Generator(0)).to(CPU)) {
            Trainer.builder(onEmu, firstPart, oneEpoch).transforms(pipeline.evalTransform(), pipeline.evalTransform()).build().fit();
            Trainer.builder(onCpu, firstPart, oneEpoch).transforms(pipeline.evalTransform(), pipeline.evalTransform()).build().fit();
            try (ImageModel emuOnCpu = toCpu(onEmu, dir.resolve("emu-1"))) {
                double agree = agreement(emuOnCpu, onCpu, task, pipeline);
                System.out.printf("one poisoned epoch: cuda-emu and cpu models agree on %.3f of the test predictions%n", agree);
                assertTrue(agree >= 0.95, "cuda-emu's poisoned training follows cpu's: agreement " + agree);
            }
        }

        // 2. the backdoored model's metrics on cuda-emu = cpu's for the same weights
        JobSettings emu = new JobSettings(EMU, 1, 256, "confidence", Optional.empty(), recipe);
        try (ImageModel trained = Models.create(config, new Generator(0)).to(CPU)) {
            Trainer.builder(trained, task.train(), recipe).transforms(pipeline.evalTransform(), pipeline.evalTransform()).build().fit();
            trained.eval();
            MetricSet cpuBefore = evaluate(trained, task, pipeline, CPU);
            System.out.printf("backdoored (cpu-trained): cpu SA %.3f ASR %.3f non-target %.3f%n", cpuBefore.ta(), cpuBefore.asr(), cpuBefore.asrNonTarget());
            assertTrue(cpuBefore.asrNonTarget() > 0.3, "the backdoor is learnt: " + cpuBefore);
            Checkpoint.save(dir.resolve("backdoored"), trained, null, CheckpointInfo.of(trained.config().toJson(), "fashion-mnist", 3, 0));
            try (ImageModel original = Checkpoint.openModel(dir.resolve("backdoored"), EMU)) {
                original.eval();
                MetricSet emuBefore = evaluate(original, task, pipeline, EMU);
                System.out.printf("backdoored on cuda-emu: SA %.3f ASR %.3f non-target %.3f%n", emuBefore.ta(), emuBefore.asr(), emuBefore.asrNonTarget());
                assertClose(cpuBefore, emuBefore, "the backdoored model");

                // 3. --forget poisoned: FT on Dr on cuda-emu
                try (UnlearnJob.Outcome o = UnlearnJob.run(original, task, Unlearners.create("ft", Map.of("epochs", "1")), 0, emu, List.of())) {
                    MetricSet after = o.metrics();
                    assertTrue(after.hasAttackSuccess(), after.toString());
                    try (ImageModel unlearnedOnCpu = toCpu(o.model(), dir.resolve("ft"))) {
                        MetricSet cpuAfter = evaluate(unlearnedOnCpu, task, pipeline, CPU);
                        System.out.printf("ft on cuda-emu: SA %.3f ASR %.3f non-target %.3f (cpu measures %.3f %.3f %.3f)%n", after.ta(), after.asr(),
                                after.asrNonTarget(), cpuAfter.ta(), cpuAfter.asr(), cpuAfter.asrNonTarget());
                        assertClose(cpuAfter, after, "FT's unlearned model");
                    }
                }
            }
        }
    }

    private static MetricSet evaluate(ImageModel m, TaskData task, Pipeline p, Device d) {
        return UnlearnMetrics.evaluate(m, task.sets(), p.evalTransform(), d, 256, 1, 0,
                new JobSettings(d, 1, 256, "confidence", Optional.empty(), null).mia());
    }

    private static void assertClose(MetricSet cpu, MetricSet emu, String what) {
        assertEquals(cpu.ta(), emu.ta(), TOLERANCE, what + ": SA, cpu " + cpu + " vs cuda-emu " + emu);
        assertEquals(cpu.asr(), emu.asr(), TOLERANCE, what + ": ASR, cpu " + cpu + " vs cuda-emu " + emu);
        assertEquals(cpu.asrNonTarget(), emu.asrNonTarget(), TOLERANCE, what + ": non-target ASR, cpu " + cpu + " vs cuda-emu " + emu);
    }

    /** {@code m} (on any device) as a cpu model, through a checkpoint. */
    private static ImageModel toCpu(ImageModel m, Path where) throws Exception {
        Checkpoint.save(where, m, null, CheckpointInfo.of(m.config().toJson(), "fashion-mnist", 1, 0));
        ImageModel c = Checkpoint.openModel(where, CPU);
        c.eval();
        return c;
    }

    /** The share of test images (clean) on which the two models predict the same class. */
    private static double agreement(ImageModel a, ImageModel b, TaskData task, Pipeline p) {
        a.eval();
        b.eval();
        int[] pa = ai.lethe.eval.Predictions.of(a, task.test(), p.evalTransform(), CPU, 256, 1).predicted();
        int[] pb = ai.lethe.eval.Predictions.of(b, task.test(), p.evalTransform(), CPU, 256, 1).predicted();
        int same = 0;
        for (int i = 0; i < pa.length; i++) if (pa[i] == pb[i]) same++;
        return same / (double) pa.length;
    }
}
