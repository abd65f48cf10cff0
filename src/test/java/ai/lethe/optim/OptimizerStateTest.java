// Checkpoint state: export with PyTorch's names, load with validation, and the round trip — an optimizer
// restored from another's state continues with exactly the updates the original makes. On every available
// backend; loading errors name the offending key and change nothing.
package ai.lethe.optim;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.optim.schedule.LinearLR;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OptimizerStateTest {
    static final Shape[] SHAPES = {Shape.of(3, 2), Shape.of(5), Shape.of(2)};

    static List<Device> devices() { return TestBackends.devices(); }

    /** Fresh parameters with fixed values. */
    static List<Tensor> params(Device device) {
        List<Tensor> ps = new ArrayList<>();
        Generator gen = new Generator(7);
        for (Shape s : SHAPES) ps.add(Tensor.randn(s, gen, device).setRequiresGrad(true));
        return ps;
    }

    /** Gradients of step {@code step}: fixed per step; the last parameter gets one only on even steps. */
    static void setGrads(List<Tensor> ps, int step) {
        Generator gen = new Generator(1000 + step);
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            p.zeroGrad();
            Tensor g = Tensor.randn(p.shape(), gen, p.device());
            if (i < ps.size() - 1 || step % 2 == 0) p.setGrad(g);
        }
    }

    static List<Function<List<Tensor>, Optimizer<?>>> optimizers() {
        return List.of(
                ps -> SGD.builder(ps).lr(0.1).momentum(0.9).weightDecay(5e-4).nesterov(true).build(),
                ps -> SGD.builder(ps.subList(0, 2)).group(ps.subList(2, 3), o -> o.withWeightDecay(0).withDampening(0.3))
                        .lr(0.05).momentum(0.8).build(),
                ps -> Adam.builder(ps).lr(0.01).weightDecay(0.1).build(),
                ps -> AdamW.builder(ps.subList(0, 1)).group(ps.subList(1, 3), o -> o.withWeightDecay(0).withLr(0.003))
                        .lr(0.01).betas(0.8, 0.99).build());
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void restoredOptimizerContinuesWithIdenticalUpdates(Device device) {
        for (var make : optimizers()) {
            try (var _ = Scope.open()) {
                List<Tensor> a = params(device);
                Optimizer<?> original = make.apply(a);
                for (int s = 0; s < 3; s++) {
                    setGrads(a, s);
                    original.step();
                }
                original.group(0).setLr(original.group(0).lr() * 0.5); // a scheduler's change travels too
                List<Tensor> b = new ArrayList<>();
                for (Tensor p : a) b.add(p.contiguousCopy().setRequiresGrad(true));
                Optimizer<?> restored = make.apply(b);
                try (OptimizerState state = original.state()) {
                    restored.loadState(state);
                }
                assertEquals(original.group(0).lr(), restored.group(0).lr());
                for (int s = 3; s < 7; s++) {
                    setGrads(a, s);
                    setGrads(b, s);
                    original.step();
                    restored.step();
                    for (int i = 0; i < a.size(); i++)
                        assertArrayEquals(a.get(i).toFloatArray(), b.get(i).toFloatArray(), original + " step " + s + " param " + i);
                }
                original.close();
                restored.close();
            }
        }
    }

    @Test void sgdExportsMomentumBuffersAndGroupsWithPyTorchNames() {
        try (var _ = Scope.open()) {
            List<Tensor> ps = params(Device.REF);
            SGD opt = SGD.builder(ps.subList(0, 2)).group(ps.subList(2, 3), o -> o.withWeightDecay(0))
                    .lr(0.1).momentum(0.9).weightDecay(5e-4).build();
            new LinearLR(opt, 0.5, 1, 4);
            setGrads(ps, 1); // odd step: parameter 2 has no gradient, so no state
            float[] theta0 = ps.get(0).toFloatArray();
            opt.step();
            OptimizerState st = opt.state();
            assertEquals(Set.of("state.0.momentum_buffer", "state.1.momentum_buffer"), st.tensors().keySet());
            Map<String, Double> expected = new HashMap<>();
            for (int g = 0; g < 2; g++) {
                String p = "param_groups." + g + ".";
                expected.put(p + "lr", 0.05);
                expected.put(p + "momentum", 0.9);
                expected.put(p + "dampening", 0.0);
                expected.put(p + "weight_decay", g == 0 ? 5e-4 : 0.0);
                expected.put(p + "nesterov", 0.0);
                expected.put(p + "maximize", 0.0);
                expected.put(p + "initial_lr", 0.1);
            }
            expected.put("param_groups.0.params.0", 0.0);
            expected.put("param_groups.0.params.1", 1.0);
            expected.put("param_groups.1.params.0", 2.0);
            assertEquals(expected, st.scalars());
            // the first step sets the buffer to the gradient plus weight decay, as PyTorch's
            float[] g0 = ps.get(0).grad().toFloatArray(), buf = st.tensors().get("state.0.momentum_buffer").toFloatArray();
            for (int i = 0; i < g0.length; i++) assertEquals(g0[i] + 5e-4 * theta0[i], buf[i], 1e-6);
        }
    }

    @Test void adamExportsMomentsAndStepCounts() {
        try (var _ = Scope.open()) {
            List<Tensor> ps = params(Device.REF);
            AdamW opt = AdamW.builder(ps).lr(0.01).build();
            for (int s = 0; s < 3; s++) {
                setGrads(ps, s);
                opt.step();
            }
            OptimizerState st = opt.state();
            assertEquals(List.of("state.0.exp_avg", "state.0.exp_avg_sq", "state.1.exp_avg", "state.1.exp_avg_sq",
                    "state.2.exp_avg", "state.2.exp_avg_sq"), List.copyOf(st.tensors().keySet()));
            assertEquals(3.0, st.scalars().get("state.0.step"));
            assertEquals(2.0, st.scalars().get("state.2.step"), "parameter 2 had gradients at steps 0 and 2 only");
            assertEquals(0.9, st.scalars().get("param_groups.0.betas.0"));
            assertEquals(0.999, st.scalars().get("param_groups.0.betas.1"));
            assertEquals(1e-8, st.scalars().get("param_groups.0.eps"));
            assertEquals(0.01, st.scalars().get("param_groups.0.weight_decay"));
            assertFalse(st.scalars().containsKey("param_groups.0.initial_lr"), "no scheduler, no initial_lr");
        }
    }

    @Test void exportedTensorsAreCopiesUnaffectedByLaterSteps() {
        try (var _ = Scope.open()) {
            List<Tensor> ps = params(Device.REF);
            Adam opt = Adam.builder(ps).lr(0.01).build();
            setGrads(ps, 0);
            opt.step();
            OptimizerState st = opt.state();
            float[] before = st.tensors().get("state.0.exp_avg").toFloatArray();
            setGrads(ps, 2);
            opt.step();
            assertArrayEquals(before, st.tensors().get("state.0.exp_avg").toFloatArray());
            assertFalse(st.tensors().get("state.0.exp_avg").sharesStorageWith(opt.stateOf(ps.get(0)).buffer(AdamBase.EXP_AVG)));
        }
    }

    // ---- loading errors: one per kind, each naming the key, each leaving the optimizer as it was --------------

    /** Trains an Adam one step, edits its exported state with {@code edit}, loads it, returns the error message. */
    private static String loadFailure(java.util.function.Consumer<Map<String, Tensor>> editTensors,
                                      java.util.function.Consumer<Map<String, Double>> editScalars) {
        try (var _ = Scope.open()) {
            List<Tensor> ps = params(Device.REF);
            Adam opt = Adam.builder(ps).lr(0.01).build();
            setGrads(ps, 0);
            opt.step();
            OptimizerState st = opt.state();
            Map<String, Tensor> t = new HashMap<>(st.tensors());
            Map<String, Double> s = new HashMap<>(st.scalars());
            editTensors.accept(t);
            editScalars.accept(s);
            float[] m = opt.stateOf(ps.get(0)).buffer(AdamBase.EXP_AVG).toFloatArray();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadState(new OptimizerState(t, s)));
            assertArrayEquals(m, opt.stateOf(ps.get(0)).buffer(AdamBase.EXP_AVG).toFloatArray(), "unchanged after a failed load");
            assertEquals(1, opt.stateOf(ps.get(0)).step());
            assertEquals(0.01, opt.lr());
            return e.getMessage();
        }
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "message '" + message + "' should mention '" + p + "'");
    }

    @Test void loadRejectsWrongShape() {
        String m = loadFailure(t -> t.put("state.1.exp_avg", Tensor.zeros(Shape.of(4), Device.REF)), s -> {});
        assertMentions(m, "state.1.exp_avg", "[4]", "[5]");
    }

    @Test void loadRejectsUnknownStateTensor() {
        String m = loadFailure(t -> t.put("state.0.momentum_buffer", Tensor.zeros(Shape.of(3, 2), Device.REF)), s -> {});
        assertMentions(m, "state.0.momentum_buffer", "exp_avg");
    }

    @Test void loadRejectsParameterIndexOutOfRange() {
        String m = loadFailure(t -> t.put("state.3.exp_avg", Tensor.zeros(Shape.of(2), Device.REF)), s -> {});
        assertMentions(m, "state.3.exp_avg", "out of range");
    }

    @Test void loadRejectsIncompleteState() {
        String m = loadFailure(t -> t.remove("state.2.exp_avg_sq"), s -> {});
        assertMentions(m, "state.2.exp_avg_sq", "missing");
    }

    @Test void loadRejectsUnknownKey() {
        String m = loadFailure(t -> {}, s -> s.put("lr", 0.1));
        assertMentions(m, "lr", "not an optimizer state key");
    }

    @Test void loadRejectsUnknownHyperParameter() {
        String m = loadFailure(t -> {}, s -> s.put("param_groups.0.momentum", 0.9));
        assertMentions(m, "param_groups.0.momentum", "unknown");
    }

    @Test void loadRejectsBadHyperParameterValue() {
        String m = loadFailure(t -> {}, s -> s.put("param_groups.0.betas.0", 1.0));
        assertMentions(m, "param_groups.0", "beta1", "1.0");
    }

    @Test void loadRejectsBadStepCount() {
        String m = loadFailure(t -> {}, s -> s.put("state.0.step", 1.5));
        assertMentions(m, "state.0.step", "1.5");
    }

    @Test void loadRejectsAnotherParameterLayout() {
        String m = loadFailure(t -> {}, s -> s.put("param_groups.0.params.1", 2.0));
        assertMentions(m, "param_groups.0.params.1", "parameter 2", "parameter 1");
    }

    @Test void loadRejectsMissingGroup() {
        String m = loadFailure(t -> {}, s -> s.put("param_groups.1.lr", 0.1));
        assertMentions(m, "param_groups.1.lr", "out of range");
    }

    @Test void sgdStateHasNoStepCounter() {
        try (var _ = Scope.open()) {
            SGD opt = SGD.builder(params(Device.REF)).lr(0.1).momentum(0.9).build();
            var e = assertThrows(IllegalArgumentException.class,
                    () -> opt.loadState(new OptimizerState(Map.of(), Map.of("state.0.step", 3.0))));
            assertMentions(e.getMessage(), "state.0.step", "SGD");
        }
    }

    @Test void loadingReplacesStateEntirely() {
        try (var _ = Scope.open()) {
            List<Tensor> ps = params(Device.REF);
            SGD opt = SGD.builder(ps).lr(0.1).momentum(0.9).build();
            setGrads(ps, 0);
            opt.step();
            assertNotNull(opt.stateOf(ps.get(0)));
            opt.loadState(new OptimizerState(Map.of(), Map.of()));
            assertNull(opt.stateOf(ps.get(0)), "a parameter absent from the loaded state has none");
            assertEquals(0.1, opt.lr(), "hyper-parameters absent from the loaded state are kept");
        }
    }
}
