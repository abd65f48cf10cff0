// Finite-difference gradient checks (GradCheck, float64 on the ref backend) of every layer's forward with
// respect to its input and all its parameters, through Module.functionalCall.
package ai.lethe.nn;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradCheck;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LayerGradCheckTest {
    record Case(String name, Supplier<Module> factory, long[] inputShape, boolean training) {
        @Override public String toString() { return name + (training ? " (train)" : " (eval)"); }
    }

    static Stream<Arguments> cases() {
        List<Case> c = List.of(
                new Case("Linear", () -> new Linear(4, 3), new long[] {2, 4}, true),
                new Case("Linear no bias 3-D", () -> new Linear(4, 3, false), new long[] {2, 3, 4}, true),
                new Case("Conv2d stride 2 padding 1", () -> new Conv2d(2, 3, 3, 2, 1, true), new long[] {1, 2, 5, 5}, true),
                new Case("Conv2d dilation 2 no bias", () -> Conv2d.builder(2, 2, 3).padding(2).dilation(2).bias(false).build(),
                        new long[] {1, 2, 4, 5}, true),
                new Case("BatchNorm2d", () -> new BatchNorm2d(2), new long[] {3, 2, 3, 3}, true),
                new Case("BatchNorm2d", () -> new BatchNorm2d(2), new long[] {3, 2, 3, 3}, false),
                new Case("BatchNorm1d [N, C]", () -> new BatchNorm1d(3), new long[] {5, 3}, true),
                new Case("BatchNorm1d [N, C, L]", () -> new BatchNorm1d(3), new long[] {2, 3, 4}, true),
                new Case("BatchNorm1d", () -> new BatchNorm1d(3), new long[] {5, 3}, false),
                new Case("LayerNorm", () -> new LayerNorm(4), new long[] {3, 4}, true),
                new Case("LayerNorm 2-D shape", () -> new LayerNorm(2, 3), new long[] {2, 2, 3}, true),
                new Case("LayerNorm no affine", () -> new LayerNorm(new long[] {4}, 1e-5, false), new long[] {3, 4}, true),
                new Case("GELU", GELU::new, new long[] {3, 4}, true),
                new Case("GELU tanh", () -> new GELU(true), new long[] {3, 4}, true),
                new Case("ReLU", ReLU::new, new long[] {3, 4}, true),
                new Case("MaxPool2d 3/2/1", () -> new MaxPool2d(3, 2, 1), new long[] {1, 2, 5, 5}, true),
                new Case("AvgPool2d 3/2/1", () -> new AvgPool2d(3, 2, 1), new long[] {1, 2, 5, 5}, true),
                new Case("AdaptiveAvgPool2d 2x3", () -> new AdaptiveAvgPool2d(2, 3), new long[] {1, 2, 5, 7}, true),
                new Case("Flatten", Flatten::new, new long[] {2, 2, 3}, true),
                new Case("Identity", Identity::new, new long[] {2, 3}, true),
                new Case("Dropout", () -> new Dropout(0.3, new Generator(7)), new long[] {3, 4}, false),
                new Case("MultiheadSelfAttention", () -> new MultiheadSelfAttention(6, 2, true), new long[] {2, 3, 6}, true),
                new Case("MultiheadSelfAttention no qkv bias", () -> new MultiheadSelfAttention(4, 4, false), new long[] {1, 3, 4}, true),
                new Case("Sequential conv-bn-relu-pool-linear", () -> new Sequential(new Conv2d(1, 2, 3, 1, 1, false), new BatchNorm2d(2),
                        new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(2, 3)), new long[] {2, 1, 4, 4}, true));
        return c.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Case c) {
        try (Module m = c.factory().get(); Scope _ = Scope.open("gradcheck-case")) {
            m.to(Device.REF).to(DType.FLOAT64);
            m.train(c.training());
            check(c.toString(), m, Tensor.randn(Shape.of(c.inputShape()), new Generator(11), Device.REF));
        }
    }

    /** Dropout's mask comes from its generator: a fresh generator per call keeps the function deterministic. */
    @Test void trainingDropoutGradientMatchesFiniteDifferences() {
        try (Scope _ = Scope.open()) {
            Tensor x = Tensor.randn(Shape.of(4, 5), new Generator(3), Device.REF);
            GradCheck.assertGradients("Dropout(0.4) train", xs -> {
                try (Dropout d = new Dropout(0.4, new Generator(99))) {
                    return d.forward(xs.getFirst());
                }
            }, List.of(x));
        }
    }

    static void check(String name, Module m, Tensor x) {
        List<String> names = new ArrayList<>(m.namedParameters().keySet());
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(x);
        inputs.addAll(m.namedParameters().values());
        GradCheck.assertGradients(name, xs -> {
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) params.put(names.get(i), xs.get(i + 1));
            return m.functionalCall(params, xs.getFirst());
        }, inputs);
    }
}
