// ResNet18 (width 4, CIFAR stem) and a tiny ViT (dim 32, depth 2, heads 2, patch 4) against PyTorch 1.13 on 4
// images of 3×16×16, on every available backend. The fixture (tools/reference/model_fixtures.py) holds the
// weights, the inputs, labels, eval-mode logits, train-mode logits and cross-entropy loss, every parameter
// gradient, and the state dict after one SGD step (lr 0.1, momentum 0.9, weight decay 5e-4) in train mode (for
// ResNet: updated BatchNorm running statistics and counters). The model is built from the config JSON the
// fixture carries and loads the weights with strict loadStateDict. Tolerance: relative error
// (max|Δ| / max|expected|) ≤ 1e-4 per tensor; PyTorch's float32 values are within 3e-6 of float64 arithmetic.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.nn.F;
import ai.lethe.nn.LoadResult;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GoldenTest {
    static final double TOLERANCE = 1e-4;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Device d : TestBackends.devices()) for (String model : List.of("resnet18", "vit")) out.add(Arguments.of(d, model));
        return out.stream();
    }

    private static ImageModel load(FixtureReader fx, Device device) {
        ImageModel m = Models.create(ModelConfig.fromJson(fx.metadata().get("config"))).to(device);
        LoadResult r = m.loadStateDict(fx.tensors("state.", device), true);
        assertTrue(r.isClean(), r.toString());
        return m;
    }

    @ParameterizedTest(name = "{0} {1}") @MethodSource("cases")
    void evalLogitsMatchPyTorch(Device device, String model) {
        FixtureReader fx = FixtureReader.read("/models/" + model + "_golden.safetensors");
        try (ImageModel m = load(fx, device); Scope _ = Scope.open("golden-eval")) {
            m.eval();
            Tensor logits = m.forward(fx.get("input").toTensor(device));
            RelativeError.assertClose(model + " eval logits", fx.get("eval.logits"), logits, TOLERANCE);
            for (var e : m.stateDict().entrySet())  // eval forward leaves the state alone
                RelativeError.assertClose(model + " " + e.getKey() + " after eval", fx.get("state." + e.getKey()), e.getValue(), 0);
        }
    }

    @ParameterizedTest(name = "{0} {1}") @MethodSource("cases")
    void oneTrainingStepMatchesPyTorch(Device device, String model) {
        FixtureReader fx = FixtureReader.read("/models/" + model + "_golden.safetensors");
        try (ImageModel m = load(fx, device);
             var opt = SGD.builder(m.parameters()).lr(0.1).momentum(0.9).weightDecay(5e-4).build();
             Scope _ = Scope.open("golden-train")) {
            m.train();
            Tensor logits = m.forward(fx.get("input").toTensor(device));
            RelativeError.assertClose(model + " train logits", fx.get("train.logits"), logits, TOLERANCE);
            Tensor loss = F.crossEntropy(logits, fx.get("labels").toTensor(device));
            RelativeError.assertClose(model + " loss", fx.get("train.loss"), loss, TOLERANCE);

            opt.zeroGrad();
            loss.backward();
            Map<String, FixtureReader.Entry> grads = fx.withPrefix("grad.");
            assertEquals(List.copyOf(grads.keySet()), List.copyOf(m.namedParameters().keySet()), model + ": parameters");
            for (var e : m.namedParameters().entrySet())
                RelativeError.assertClose(model + " grad " + e.getKey(), grads.get(e.getKey()), e.getValue().grad(), TOLERANCE);

            opt.step();
            Map<String, FixtureReader.Entry> after = fx.withPrefix("after.");
            assertEquals(List.copyOf(after.keySet()), List.copyOf(m.stateDict().keySet()), model + ": state dict");
            for (var e : m.stateDict().entrySet())
                RelativeError.assertClose(model + " " + e.getKey() + " after the step", after.get(e.getKey()), e.getValue(), TOLERANCE);
        }
    }
}
