// Layer outputs, gradients and updated buffers against PyTorch 1.13 on every available backend. Each case
// loads the fixture's state dict with loadStateDict (strict), runs forward in the fixture's mode, backpropagates
// the fixture's random upstream gradient, and compares output, input gradient, every parameter gradient and
// every buffer afterwards. Tolerance: float32, |Δ| ≤ 1e-5·|expected| + 1e-5 (PyTorch accumulates in float32,
// the backends in other orders, so sums of ~100 terms of size ~1 differ by a few float32 ulps).
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LayerParityTest {
    static final double RTOL = 1e-5, ATOL = 1e-5;

    static final Map<String, Supplier<Module>> CASES = new LinkedHashMap<>();

    static {
        CASES.put("linear", () -> new Linear(5, 4));
        CASES.put("linear_nobias_3d", () -> new Linear(5, 4, false));
        CASES.put("conv2d_s2p1", () -> new Conv2d(3, 4, 3, 2, 1, true));
        CASES.put("conv2d_dilation_nobias", () -> Conv2d.builder(2, 3, 3).padding(2).dilation(2).bias(false).build());
        CASES.put("conv2d_rect", () -> Conv2d.builder(2, 3, 3, 1).stride(2, 1).padding(1, 0).build());
        CASES.put("bn2d_train", () -> new BatchNorm2d(3));
        CASES.put("bn2d_eval", () -> new BatchNorm2d(3));
        CASES.put("bn2d_cumulative_train", () -> new BatchNorm2d(3, BatchNorm.Options.DEFAULT.withMomentum(null)));
        CASES.put("bn2d_noaffine_train", () -> new BatchNorm2d(3, BatchNorm.Options.DEFAULT.withAffine(false)));
        CASES.put("bn2d_notrack_eval", () -> new BatchNorm2d(3, BatchNorm.Options.DEFAULT.withTrackRunningStats(false)));
        CASES.put("bn1d_train_2d", () -> new BatchNorm1d(4));
        CASES.put("bn1d_train_3d", () -> new BatchNorm1d(4, 1e-3, 0.3, true, true));
        CASES.put("bn1d_eval", () -> new BatchNorm1d(4));
        CASES.put("layernorm", () -> new LayerNorm(6));
        CASES.put("layernorm_2d", () -> new LayerNorm(new long[] {3, 6}, 1e-6, true));
        CASES.put("layernorm_noaffine", () -> new LayerNorm(new long[] {6}, 1e-5, false));
        CASES.put("gelu", GELU::new);
        CASES.put("gelu_tanh", () -> new GELU(true));
        CASES.put("relu", ReLU::new);
        CASES.put("maxpool2d_k2", () -> new MaxPool2d(2));
        CASES.put("maxpool2d_k3s2p1", () -> new MaxPool2d(3, 2, 1));
        CASES.put("maxpool2d_ceil", () -> new MaxPool2d(2, 2, 0, true));
        CASES.put("avgpool2d_k2", () -> new AvgPool2d(2));
        CASES.put("avgpool2d_k3s2p1", () -> new AvgPool2d(3, 2, 1));
        CASES.put("avgpool2d_nopadcount", () -> new AvgPool2d(3, 2, 1, false, false));
        CASES.put("adaptiveavgpool2d_1", () -> new AdaptiveAvgPool2d(1));
        CASES.put("adaptiveavgpool2d_3x2", () -> new AdaptiveAvgPool2d(3, 2));
        CASES.put("flatten", Flatten::new);
        CASES.put("identity", Identity::new);
        CASES.put("dropout_p0_train", () -> new Dropout(0.0));
        CASES.put("dropout_eval", () -> new Dropout(0.5));
        CASES.put("attention", () -> new MultiheadSelfAttention(8, 2, true));
        CASES.put("attention_nobias", () -> new MultiheadSelfAttention(8, 4, false));
        CASES.put("vit_block", () -> new TestModels.Block(8, 2));
        CASES.put("convnet_eval", TestModels::convNet);
        CASES.put("tinyresnet_train", TestModels.TinyResNet::new);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Device d : TestBackends.devices())
            for (String name : CASES.keySet()) out.add(Arguments.of(d, name));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}") @MethodSource("cases")
    void matchesPyTorch(Device device, String name) {
        Fixture fx = Fixture.layer(name);
        try (Module m = CASES.get(name).get(); Scope _ = Scope.open("parity")) {
            m.to(device);
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (var e : fx.withPrefix("state.").entrySet()) state.put(e.getKey(), e.getValue().toTensor(device));
            LoadResult r = m.loadStateDict(state, true);
            assertTrue(r.isClean(), r.toString());
            m.train(fx.meta().get("mode").equals("train"));

            Tensor x = fx.get("input").toTensor(device).setRequiresGrad(true);
            Tensor out = m.forward(x);
            Fixture.Entry expected = fx.get("output");
            Close.assertClose(name + " output", expected.shape(), expected.values(), out, RTOL, ATOL);

            out.backward(fx.get("probe").toTensor(device));
            Fixture.Entry gx = fx.get("grad.input");
            Close.assertClose(name + " grad input", gx.shape(), gx.values(), x.grad(), RTOL, ATOL);
            Map<String, Fixture.Entry> grads = fx.withPrefix("grad.");
            grads.remove("input");
            assertEquals(List.copyOf(grads.keySet()), List.copyOf(m.namedParameters().keySet()), name + ": parameters");
            for (var e : m.namedParameters().entrySet()) {
                Fixture.Entry g = grads.get(e.getKey());
                Close.assertClose(name + " grad " + e.getKey(), g.shape(), g.values(), e.getValue().grad(), RTOL, ATOL);
                assertEquals(e.getValue().owner(), e.getValue().grad().owner(), "gradient lives with its parameter");
            }
            Map<String, Fixture.Entry> after = fx.withPrefix("after.");
            assertEquals(List.copyOf(after.keySet()), List.copyOf(m.namedBuffers().keySet()), name + ": buffers");
            for (var e : m.namedBuffers().entrySet()) {
                Fixture.Entry b = after.get(e.getKey());
                Close.assertClose(name + " buffer " + e.getKey() + " after forward", b.shape(), b.values(), e.getValue(), RTOL, ATOL);
                assertNull(e.getValue().grad());
            }
        }
    }
}
