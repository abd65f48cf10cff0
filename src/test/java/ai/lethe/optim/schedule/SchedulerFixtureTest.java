// Every scheduler against torch.optim.lr_scheduler 1.13 over 30 steps (fixtures from
// tools/reference/optim_fixtures.py): the lr of each group after construction and after each step(), and
// OneCycleLR's momentum (SGD) or β1 (Adam). Also the two unlearning recipes built the way users would.
package ai.lethe.optim.schedule;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.optim.Adam;
import ai.lethe.optim.AdamW;
import ai.lethe.optim.Fixtures.SchedulerCase;
import ai.lethe.optim.Fixtures;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SchedulerFixtureTest {
    /** Closed forms against PyTorch's recursive forms, both in float64. */
    static final double RTOL = 1e-12, ATOL = 1e-15;

    static Stream<SchedulerCase> cases() { return Fixtures.schedulerCases().stream(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(SchedulerCase c) {
        try (var _ = Scope.open(); Optimizer<?> opt = optimizer(c)) {
            LRScheduler s = scheduler(opt, c.kind(), c.args(), c.subs());
            check(c, opt, s);
        }
    }

    /** "SGD 0.1, momentum 0.9, wd 5e-4, MultiStep ×0.1 at 50%/75% of the epochs", here for 30 epochs. */
    @Test void recipeMultiStepAtFractionsOfTheEpochs() {
        SchedulerCase c = Fixtures.schedulerCase("multistep_recipe_half_three_quarters");
        try (var _ = Scope.open(); Optimizer<?> opt = optimizer(c)) {
            MultiStepLR s = MultiStepLR.atFractions(opt, 30, 0.1, 0.5, 0.75);
            assertArrayEquals(new int[] {15, 22}, s.milestones());
            check(c, opt, s);
        }
        try (var _ = Scope.open(); SGD opt = SGD.builder(List.of(param())).lr(0.1).momentum(0.9).weightDecay(5e-4).build()) {
            assertArrayEquals(new int[] {91, 136}, MultiStepLR.atFractions(opt, 182, 0.1, 0.5, 0.75).milestones());
        }
    }

    /** "SGD 0.1, 1 warm-up epoch, MultiStep ×0.2": the main schedule's milestones count from the warm-up's end. */
    @Test void recipeOneWarmupEpochThenMultiStep() {
        SchedulerCase c = Fixtures.schedulerCase("sequential_recipe_one_warmup_epoch");
        try (var _ = Scope.open(); SGD opt = SGD.builder(List.of(param())).lr(0.1).build()) {
            var s = new SequentialLR(opt, List.of(new LinearLR(opt, 0.1, 1, 1), new MultiStepLR(opt, List.of(8, 16, 24), 0.2)), 1);
            check(c, opt, s);
        }
    }

    private static void check(SchedulerCase c, Optimizer<?> opt, LRScheduler s) {
        int epochs = c.lrs().getFirst().length;
        for (int e = 0; e < epochs; e++) {
            if (e > 0) s.step();
            assertEquals(e, s.lastEpoch());
            for (int g = 0; g < c.lrs().size(); g++) {
                // OneCycleLR's extrapolated epoch totalSteps: PyTorch may set a negative lr, Lethe clamps it at 0
                double expected = Math.max(0, c.lrs().get(g)[e]);
                assertClose(expected, opt.group(g).lr(), c + " lr of group " + g + " at epoch " + e);
                assertClose(expected, s.lastLrs()[g], c + " lastLrs()[" + g + "] at epoch " + e);
                if (!c.momenta().isEmpty())
                    assertClose(c.momenta().get(g)[e], opt.group(g).cycleMomentum().orElseThrow(),
                            c + " momentum of group " + g + " at epoch " + e);
            }
            assertEquals(opt.group(0).lr(), s.lastLr());
        }
    }

    static void assertClose(double expected, double actual, String what) {
        double tol = RTOL * Math.abs(expected) + ATOL;
        if (!(Math.abs(expected - actual) <= tol)) fail(what + ": expected " + expected + " (PyTorch), got " + actual);
    }

    static Tensor param() { return Tensor.zeros(Shape.of(2), Device.REF).setRequiresGrad(true); }

    /** One group per lr of the case, one parameter each. */
    static Optimizer<?> optimizer(SchedulerCase c) {
        double[] lrs = c.groupLrs();
        Map<String, String> a = c.optimizerArgs();
        return switch (c.optimizerKind()) {
            case "sgd" -> {
                var b = SGD.builder().lr(lrs[0]).momentum(Double.parseDouble(a.getOrDefault("momentum", "0")))
                        .weightDecay(Double.parseDouble(a.getOrDefault("weight_decay", "0")));
                for (double lr : lrs) b.group(List.of(param()), o -> o.withLr(lr));
                yield b.build();
            }
            case "adam", "adamw" -> {
                var b = c.optimizerKind().equals("adam") ? Adam.builder() : AdamW.builder();
                b.lr(lrs[0]);
                for (double lr : lrs) b.group(List.of(param()), o -> o.withLr(lr));
                yield b.build();
            }
            default -> throw new IllegalArgumentException(c.optimizerKind());
        };
    }

    static LRScheduler scheduler(Optimizer<?> opt, String kind, Map<String, String> a,
                                 List<Map.Entry<String, Map<String, String>>> subs) {
        return switch (kind) {
            case "multistep" -> new MultiStepLR(opt, Arrays.stream(ints(a.get("milestones"))).boxed().toList(), num(a, "gamma"));
            case "cosine" -> new CosineAnnealingLR(opt, Integer.parseInt(a.get("t_max")), Double.parseDouble(a.getOrDefault("eta_min", "0")));
            case "linear" -> new LinearLR(opt, num(a, "start_factor"), num(a, "end_factor"), Integer.parseInt(a.get("total_iters")));
            case "lambda" -> {
                List<IntToDoubleFunction> fs = Arrays.stream(a.get("lambdas").split(",")).map(SchedulerFixtureTest::lambda).toList();
                yield fs.size() == 1 ? new LambdaLR(opt, fs.getFirst()) : new LambdaLR(opt, fs);
            }
            case "onecycle" -> {
                double[] max = Fixtures.doubles(a.get("max_lr"));
                var b = max.length == 1 ? OneCycleLR.builder(opt, max[0], Integer.parseInt(a.get("total_steps")))
                        : OneCycleLR.builder(opt, max, Integer.parseInt(a.get("total_steps")));
                if (a.containsKey("pct_start")) b.pctStart(num(a, "pct_start"));
                if (a.containsKey("anneal_strategy")) b.anneal(a.get("anneal_strategy").equals("cos") ? Anneal.COS : Anneal.LINEAR);
                if (a.containsKey("cycle_momentum")) b.cycleMomentum(a.get("cycle_momentum").equals("1"));
                if (a.containsKey("base_momentum")) b.baseMomentum(num(a, "base_momentum"));
                if (a.containsKey("max_momentum")) b.maxMomentum(num(a, "max_momentum"));
                if (a.containsKey("div_factor")) b.divFactor(num(a, "div_factor"));
                if (a.containsKey("final_div_factor")) b.finalDivFactor(num(a, "final_div_factor"));
                if (a.containsKey("three_phase")) b.threePhase(a.get("three_phase").equals("1"));
                yield b.build();
            }
            case "sequential" -> {
                List<LRScheduler> inner = new ArrayList<>();
                for (var sub : subs) inner.add(scheduler(opt, sub.getKey(), sub.getValue(), List.of()));
                yield new SequentialLR(opt, inner, ints(a.get("milestones")));
            }
            default -> throw new IllegalArgumentException("unknown scheduler " + kind);
        };
    }

    /** The lambdas the fixture script names. */
    static IntToDoubleFunction lambda(String name) {
        return switch (name) {
            case "pow095" -> e -> Math.pow(0.95, e);
            case "inv" -> e -> 1.0 / (e + 1);
            case "warm5" -> e -> Math.min(1.0, (e + 1) / 5.0);
            default -> throw new IllegalArgumentException("unknown lambda " + name);
        };
    }

    private static int[] ints(String s) { return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray(); }

    private static double num(Map<String, String> m, String k) { return Double.parseDouble(m.get(k)); }
}
