// One SGD training step on a fixed batch, the way a Lethe training loop does it: a Scope per step (every
// activation, saved tensor and intermediate gradient is freed when it closes), forward, cross-entropy loss,
// zeroGrad, backward, optimizer step, and loss.item() (which also waits for asynchronous backends).
// The optimizer is SGD with lr 0.01, momentum 0.9, weight decay 5e-4, as in the PyTorch peer.
package ai.lethe.bench;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.nn.F;
import ai.lethe.nn.Module;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;

final class TrainStep implements AutoCloseable {
    private final Module model;
    private final SGD optimizer;
    private final Scope data = Scope.detached("batch");
    private final Tensor images, labels;

    /** A model (already on {@code device}, in training mode) and a random batch of {@code inputShape} with labels in [0, classes). */
    TrainStep(Module model, Device device, Shape inputShape, int classes, long seed) {
        this.model = model;
        model.to(device).train();
        optimizer = SGD.builder(model.parameters()).lr(0.01).momentum(0.9).weightDecay(5e-4).build();
        Generator gen = new Generator(seed);
        images = data.adopt(Scope.unscoped(() -> Tensor.randn(inputShape, gen, device)));
        long n = inputShape.dim(0);
        long[] y = new long[Math.toIntExact(n)];
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < y.length; i++) y[i] = random.nextInt(classes);
        labels = data.adopt(Scope.unscoped(() -> Tensor.fromLongs(y, device, n)));
    }

    /** Runs one step and returns the loss. */
    double run() {
        try (Scope _ = Scope.open("step")) {
            Tensor loss = F.crossEntropy(model.forward(images), labels);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            return loss.item();
        }
    }

    @Override public void close() {
        optimizer.close();
        model.close();
        data.close();
    }
}
