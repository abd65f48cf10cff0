// Training under TF32 and bf16 autocast (ai.lethe.backend.Precision) reaches float32's accuracy on the small
// Fashion-MNIST task of FashionMnistEveryDeviceTest (the same net, data subset, recipe and seeds: 1536 training and 512
// test images, 2 epochs of SGD with momentum), on cpu (which emulates the rounding on the host) and cuda-emu (the CUDA
// kernels rounding their operands, the GEMM's operands rounded before OpenBLAS). The scope covers the forward pass
// only, as torch.autocast is used: the backward pass runs at the forward's precision by itself.
// Margin: every run's test accuracy within 3 points of float32's on cpu (512 test images: one image is 0.2 points;
// FashionMnistEveryDeviceTest holds cuda-emu's float32 run to cpu's within the same margin, so it is not repeated
// here), and the trained weights differ from float32's on cpu, and between TF32 and bf16 on cuda-emu (the rounding
// was applied during training, not only in a test of the ops).
// Measured (2 shared cores): cpu fp32 0.799, tf32 0.805, bf16 0.797 (about 5 s each); cuda-emu tf32 0.791, bf16 0.793
// (about 60 s each; its float32 run, 0.795, 41 s).
package ai.lethe.integration;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Precision;
import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.Subset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.nn.F;
import ai.lethe.nn.Sequential;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import ai.lethe.unlearn.FashionForgetTask;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PrecisionTrainingTest {
    static final double MARGIN = 0.03;

    /** Test accuracy, and the sum of the first conv's trained weights, after training at precision p on device. */
    record Outcome(double accuracy, double weightSum) {}

    static Outcome train(Pipeline p, Device device, Precision precision) {
        int trainN = FashionMnistEveryDeviceTest.TRAIN, testN = FashionMnistEveryDeviceTest.TEST, batch = FashionMnistEveryDeviceTest.BATCH;
        Dataset train = new Subset(p.data().train(), IntStream.range(0, trainN).toArray(), "train");
        Dataset test = new Subset(p.data().test(), IntStream.range(0, testN).toArray(), "test");
        try (Sequential net = FashionMnistEveryDeviceTest.model(7)) {
            net.to(device);
            try (SGD opt = SGD.builder(net.parameters()).lr(0.05).momentum(0.9).weightDecay(5e-4).build()) {
                DataLoader trainLoader = DataLoader.builder(train).batchSize(batch).shuffle(true).seed(3)
                        .transform(p.evalTransform()).device(device).workers(1).build();
                net.train();
                for (int e = 0; e < FashionMnistEveryDeviceTest.EPOCHS; e++) {
                    try (Epoch epoch = trainLoader.epoch(e)) {
                        for (Batch b : epoch) {
                            try (b; Scope step = Scope.open("step")) {
                                Tensor loss;
                                try (Precision.Scope autocast = Precision.autocast(precision)) {   // the forward pass only
                                    loss = F.crossEntropy(net.forward(b.images()), b.labels());
                                }
                                opt.zeroGrad();
                                loss.backward();
                                opt.step();
                            }
                        }
                    }
                }
                net.eval();
                DataLoader testLoader = DataLoader.builder(test).batchSize(batch).transform(p.evalTransform())
                        .device(device).workers(1).build();
                long correct = 0;
                try (Epoch epoch = testLoader.epoch(0); var _ = GradMode.noGrad(); var _ = Precision.autocast(precision)) {
                    for (Batch b : epoch) {
                        try (b; Scope s = Scope.open("eval")) {
                            correct += (long) net.forward(b.images()).argmax(1).eq(b.labels()).sum().item();
                        }
                    }
                }
                double sum = 0;
                for (float v : net.parameters().getFirst().toFloatArray()) sum += v;
                return new Outcome((double) correct / testN, sum);
            }
        }
    }

    @Test
    void tf32AndBf16ReachFloat32sAccuracy() throws IOException {
        FashionForgetTask.assumeAvailable();
        Pipeline p = Pipeline.load("fashion-mnist", false, 0);
        Map<String, Outcome> runs = new LinkedHashMap<>();
        for (Device d : TestBackends.devices()) {
            if (d.equals(Device.REF)) continue;   // the slow oracle: the op tests cover it
            // float32 on cpu only: cuda-emu's float32 run matches cpu's (FashionMnistEveryDeviceTest), and it takes a minute
            for (Precision precision : d.equals(Device.CPU) ? Precision.values() : new Precision[] {Precision.TF32, Precision.BF16}) {
                long t0 = System.nanoTime();
                Outcome o = train(p, d, precision);
                runs.put(d + " " + precision.cliName(), o);
                System.out.printf("Fashion-MNIST small net on %s at %s: test accuracy %.3f in %.1f s%n", d, precision.cliName(),
                        o.accuracy(), (System.nanoTime() - t0) / 1e9);
            }
        }
        Outcome fp32 = runs.get("cpu fp32");
        assertTrue(fp32 != null && fp32.accuracy() > 0.6, "float32 on cpu learnt the task (chance 0.1): " + runs);
        runs.forEach((run, o) -> assertTrue(Math.abs(o.accuracy() - fp32.accuracy()) <= MARGIN,
                run + " reaches float32's accuracy within " + MARGIN + ": " + runs));
        assertNotEquals(fp32.weightSum(), runs.get("cpu tf32").weightSum(), "cpu: TF32 trained other weights than float32");
        assertNotEquals(fp32.weightSum(), runs.get("cpu bf16").weightSum(), "cpu: bf16 trained other weights than float32");
        assertTrue(runs.size() == 5 || TestBackends.optional("cuda-emu"), "cuda-emu ran: " + runs.keySet());
        if (runs.containsKey("cuda-emu bf16"))
            assertNotEquals(runs.get("cuda-emu tf32").weightSum(), runs.get("cuda-emu bf16").weightSum(),
                    "cuda-emu: TF32 and bf16 trained different weights (neither is a no-op)");
    }
}
