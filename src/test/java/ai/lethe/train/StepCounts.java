// The device counters of one steady-state training step, measured exactly as TrainingStepProxiesTest measures them
// (the same path: images and labels uploaded as the loader does, then the trainer's own Trainer.step with its
// StepWindow, SGD lr 0.05 momentum 0.9 weight decay 5e-4, inputs from Random(5), the model from Generator(1)),
// for any model, batch and image shape on any CUDA device (cuda, cuda-emu). The GPU benchmark harness
// (ai.lethe.kernelbench.GpuBench) records these counts next to its timings; StepCountsTest holds them equal to
// TrainingStepProxiesTest's for its models. Lives in ai.lethe.train (test classes) because Trainer.step and
// StepWindow are package-private: a step that only resembled the trainer's would count something else.
package ai.lethe.train;

import ai.lethe.backend.Backends;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.DeviceCounters;
import ai.lethe.core.Device;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.Random;

public final class StepCounts {
    private StepCounts() {}

    /**
     * The counts of steps {@code warmUp} and {@code warmUp + 1} (both after warm-up), of the first step, and of the
     * one window read that follows them.
     *
     * @param steady  step warmUp's counts (what TrainingStepProxiesTest asserts on)
     * @param next    step warmUp + 1's counts: equal to steady when a steady step repeats exactly
     * @param first   the first step's counts (allocations the caching allocator makes once)
     * @param flush   the StepWindow read after the steps (one host synchronisation)
     */
    public record Result(DeviceCounters steady, DeviceCounters next, DeviceCounters first, DeviceCounters flush) {
        /** Whether the two steady steps counted the same. */
        public boolean repeats() { return steady.equals(next); }
    }

    /**
     * Runs {@code warmUp + 2} training steps of a fresh {@code config} model on {@code device} (a CUDA device) over
     * random images [batch, channels, side, side] and labels in [0, classes), and returns their counts.
     */
    public static Result measure(ModelConfig config, int batch, int channels, int side, int classes, Device device, int warmUp) {
        if (batch <= 0 || channels <= 0 || side <= 0 || classes <= 1 || warmUp < 1)
            throw new IllegalArgumentException("StepCounts.measure: batch " + batch + ", " + channels + "×" + side + "×" + side
                    + ", " + classes + " classes, warm-up " + warmUp + " (each must be positive, classes >= 2, warm-up >= 1)");
        if (!(Backends.implementation(Backends.of(device)) instanceof CudaBackend cuda))
            throw new IllegalArgumentException("StepCounts.measure: " + device + " is not a CUDA device (cuda, cuda-emu): it has no device counters");
        Random r = new Random(5);
        float[] images = new float[batch * channels * side * side];
        long[] labels = new long[batch];
        try (ImageModel model = Models.create(config, new Generator(1)).to(device);
             SGD opt = SGD.builder(model.parameters()).lr(0.05).momentum(0.9).weightDecay(5e-4).build();
             StepWindow window = new StepWindow(Trainer.DEFAULT_LOG_EVERY, device)) {
            model.train();
            DeviceCounters[] steps = new DeviceCounters[warmUp + 2];
            for (int i = 0; i < steps.length; i++) {
                for (int j = 0; j < images.length; j++) images[j] = (float) r.nextGaussian();
                for (int j = 0; j < labels.length; j++) labels[j] = r.nextInt(classes);
                DeviceCounters before = cuda.counters();
                try (Scope _ = Scope.open("step-counts")) {
                    Tensor x = Tensor.fromArray(images, device, batch, channels, side, side), y = Tensor.fromLongs(labels, device, batch);
                    Trainer.step(model, opt, x, y, 0, window, i);
                }
                steps[i] = cuda.counters().minus(before);
            }
            DeviceCounters before = cuda.counters();
            StepWindow.Step[] read = window.flush();
            DeviceCounters flush = cuda.counters().minus(before);
            for (StepWindow.Step s : read)
                if (!Double.isFinite(s.loss()))
                    throw new IllegalStateException("StepCounts.measure: step " + s.step() + " of " + Models.describe(config) + " has loss " + s.loss());
            return new Result(steps[warmUp], steps[warmUp + 1], steps[0], flush);
        }
    }
}
