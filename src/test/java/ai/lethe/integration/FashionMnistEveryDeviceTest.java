// The small Fashion-MNIST model trained the same way on every available device — cpu, cuda-emu (the CUDA kernels
// on the emulator) and, on a GPU machine, cuda — reaches the accuracy cpu reaches: real data (Debian's
// dataset-fashion-mnist, which ./run-tests installs), a conv-bn-relu-pool-linear net, SGD with momentum, a fixed
// subset so the emulator finishes in well under a minute. Devices sum in different orders, so the runs are not
// bit-identical; their test accuracies must agree within 3 points (measured: cpu 0.799, cuda-emu 0.795) and lie well above chance.
package ai.lethe.integration;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.Subset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.nn.BatchNorm2d;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.F;
import ai.lethe.nn.Flatten;
import ai.lethe.nn.Linear;
import ai.lethe.nn.MaxPool2d;
import ai.lethe.nn.ReLU;
import ai.lethe.nn.Sequential;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
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

class FashionMnistEveryDeviceTest {
    static final int TRAIN = 1536, TEST = 512, BATCH = 64, EPOCHS = 2;

    /** [N, 1, 28, 28] -> [N, 10]: two conv-bn-relu-pool stages (8 and 16 channels) and a linear layer. */
    static Sequential model(long seed) {
        Generator g = new Generator(seed);
        int[] k3 = {3, 3}, one = {1, 1};
        return new Sequential(
                new Conv2d(1, 8, k3, one, one, one, false, g), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, k3, one, one, one, false, g), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(16 * 7 * 7, 10, true, g));
    }

    /** Test accuracy after training the small net on {@code device}. */
    static double trainAndTest(Pipeline p, Device device) {
        Dataset train = new Subset(p.data().train(), IntStream.range(0, TRAIN).toArray(), "train");
        Dataset test = new Subset(p.data().test(), IntStream.range(0, TEST).toArray(), "test");
        try (Sequential net = model(7)) {
            net.to(device);
            try (SGD opt = SGD.builder(net.parameters()).lr(0.05).momentum(0.9).weightDecay(5e-4).build()) {
                DataLoader trainLoader = DataLoader.builder(train).batchSize(BATCH).shuffle(true).seed(3)
                        .transform(p.evalTransform()).device(device).workers(1).build();
                net.train();
                for (int e = 0; e < EPOCHS; e++) {
                    try (Epoch epoch = trainLoader.epoch(e)) {
                        for (Batch b : epoch) {
                            try (b; Scope step = Scope.open("step")) {
                                Tensor loss = F.crossEntropy(net.forward(b.images()), b.labels());
                                opt.zeroGrad();
                                loss.backward();
                                opt.step();
                            }
                        }
                    }
                }
                net.eval();
                DataLoader testLoader = DataLoader.builder(test).batchSize(BATCH).transform(p.evalTransform())
                        .device(device).workers(1).build();
                long correct = 0;
                try (Epoch epoch = testLoader.epoch(0); var _ = GradMode.noGrad()) {
                    for (Batch b : epoch) {
                        try (b; Scope s = Scope.open("eval")) {
                            correct += (long) net.forward(b.images()).argmax(1).eq(b.labels()).sum().item();
                        }
                    }
                }
                return (double) correct / TEST;
            }
        }
    }

    @Test
    void everyDeviceReachesCpusAccuracy() throws IOException {
        FashionForgetTask.assumeAvailable();
        Pipeline p = Pipeline.load("fashion-mnist", false, 0);
        Map<Device, Double> accuracy = new LinkedHashMap<>();
        for (Device d : TestBackends.devices()) {
            if (d.equals(Device.REF)) continue;  // the slow oracle: its parity is the conformance suite's business
            long t0 = System.nanoTime();
            accuracy.put(d, trainAndTest(p, d));
            System.out.printf("Fashion-MNIST small net on %s: test accuracy %.3f in %.1f s%n", d, accuracy.get(d),
                    (System.nanoTime() - t0) / 1e9);
        }
        assertTrue(accuracy.containsKey(Device.CPU), "cpu ran: " + accuracy);
        assertTrue(accuracy.size() >= 2 || TestBackends.optional("cuda-emu"), "a CUDA device ran besides cpu: " + accuracy);
        double cpu = accuracy.get(Device.CPU);
        assertTrue(cpu > 0.6, "cpu learnt the task (10 classes, chance 0.1): " + accuracy);
        accuracy.forEach((d, a) -> assertTrue(Math.abs(a - cpu) <= 0.03, d + " reaches cpu's accuracy within 3 points: " + accuracy));
    }
}
