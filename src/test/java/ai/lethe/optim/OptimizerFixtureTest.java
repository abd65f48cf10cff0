// SGD, Adam and AdamW against torch.optim 1.13 (fixtures from tools/reference/optim_fixtures.py): several steps
// on four parameters — one without a gradient at some steps, one never with a gradient — in one or two
// groups with their own lr and weight decay, on every available backend.
package ai.lethe.optim;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.optim.Fixtures.OptimizerCase;
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

class OptimizerFixtureTest {
    /** float32 against float32: |lethe − torch| <= RTOL·|torch| + ATOL. */
    static final double RTOL = 1e-6, ATOL = 1e-7;

    static Stream<Arguments> cases() {
        List<OptimizerCase> cases = Fixtures.optimizerCases();
        return TestBackends.devices().stream().flatMap(d -> cases.stream().map(c -> Arguments.of(d, c)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void matchesPyTorch(Device device, OptimizerCase c) {
        try (var _ = Scope.open()) {
            List<Tensor> params = new ArrayList<>();
            for (Fixtures.Param p : c.params()) params.add(Tensor.fromArray(p.values(), device, p.shape()).setRequiresGrad(true));
            try (Optimizer<?> opt = build(c, params)) {
                for (int s = 0; s < c.steps(); s++) {
                    Map<Integer, float[]> grads = c.grads().getOrDefault(s, Map.of());
                    for (int i = 0; i < params.size(); i++) {
                        Tensor p = params.get(i);
                        p.zeroGrad();
                        float[] g = grads.get(i);
                        if (g != null) p.setGrad(Tensor.fromArray(g, device, p.shape().dims()));
                    }
                    opt.step();
                    for (int i = 0; i < params.size(); i++)
                        assertClose(c.expected().get(s).get(i), params.get(i).toFloatArray(), c + " step " + s + " param " + i);
                }
                Tensor never = params.get(3);
                assertNull(opt.stateOf(never), "a parameter that never had a gradient has no state");
                assertArrayEquals(c.params().get(3).values(), never.toFloatArray(), "and is not updated");
                if (opt instanceof AdamBase) {
                    assertEquals(c.steps(), opt.stateOf(params.get(0)).step());
                    assertEquals(c.steps() - 2, opt.stateOf(params.get(2)).step(), "steps without a gradient are not counted");
                }
            }
        }
    }

    /** The optimizer a fixture case describes, built through the public builders. */
    static Optimizer<?> build(OptimizerCase c, List<Tensor> params) {
        Map<String, String> d = c.defaults();
        return switch (c.kind()) {
            case "sgd" -> {
                var b = SGD.builder().lr(num(d, "lr")).momentum(num(d, "momentum")).dampening(num(d, "dampening"))
                        .weightDecay(num(d, "weight_decay")).nesterov(flag(d, "nesterov")).maximize(flag(d, "maximize"));
                for (int g = 0; g < c.groups().size(); g++) {
                    Fixtures.Group grp = c.groups().get(g);
                    String prefix = "group " + g + ".";
                    b.group(pick(params, grp.params()), o -> o.withScalars(grp.overrides(), prefix));
                }
                yield b.build();
            }
            case "adam", "adamw" -> {
                var b = c.kind().equals("adam") ? Adam.builder() : AdamW.builder();
                double[] betas = Fixtures.doubles(d.get("betas"));
                b.lr(num(d, "lr")).betas(betas[0], betas[1]).eps(num(d, "eps")).weightDecay(num(d, "weight_decay"))
                        .maximize(flag(d, "maximize"));
                for (int g = 0; g < c.groups().size(); g++) {
                    Fixtures.Group grp = c.groups().get(g);
                    String prefix = "group " + g + ".";
                    b.group(pick(params, grp.params()), o -> o.withScalars(grp.overrides(), prefix));
                }
                yield b.build();
            }
            default -> throw new IllegalArgumentException("unknown optimizer " + c.kind());
        };
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = RTOL * Math.abs(expected[i]) + ATOL;
            if (!(Math.abs(expected[i] - actual[i]) <= tol))
                fail(what + " element " + i + ": expected " + expected[i] + " (PyTorch), got " + actual[i] + ", tolerance " + tol);
        }
    }

    private static List<Tensor> pick(List<Tensor> all, int[] idx) {
        List<Tensor> out = new ArrayList<>();
        for (int i : idx) out.add(all.get(i));
        return out;
    }

    private static double num(Map<String, String> m, String k) { return Double.parseDouble(m.get(k)); }

    private static boolean flag(Map<String, String> m, String k) { return m.get(k).equals("1"); }
}
