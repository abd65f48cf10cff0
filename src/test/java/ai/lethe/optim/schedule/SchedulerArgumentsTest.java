// Bad scheduler arguments are IllegalArgumentExceptions naming the argument and value (one test per kind),
// stepping OneCycleLR past its end is an IllegalStateException, and setLastEpoch resumes a schedule.
package ai.lethe.optim.schedule;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.optim.Adam;
import ai.lethe.optim.GroupOptions;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.ParamGroup;
import ai.lethe.optim.ParamState;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SchedulerArgumentsTest {
    private Scope scope;
    private SGD opt;

    @BeforeEach void open() {
        scope = Scope.open();
        opt = SGD.builder(List.of(Tensor.zeros(Shape.of(2), Device.REF).setRequiresGrad(true))).lr(0.1).momentum(0.9).build();
    }

    @AfterEach void close() {
        opt.close();
        scope.close();
    }

    private static void fails(Executable e, String... parts) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) assertTrue(x.getMessage().contains(p), "message '" + x.getMessage() + "' should mention '" + p + "'");
    }

    @Test void multiStepNegativeMilestone() { fails(() -> new MultiStepLR(opt, List.of(5, -1), 0.1), "MultiStepLR", "milestones", "-1"); }

    @Test void multiStepNonPositiveGamma() { fails(() -> new MultiStepLR(opt, List.of(5), 0), "gamma", "0.0"); }

    @Test void multiStepFractionAboveOne() { fails(() -> MultiStepLR.atFractions(opt, 100, 0.1, 0.5, 1.5), "fraction", "1.5"); }

    @Test void cosineZeroTMax() { fails(() -> new CosineAnnealingLR(opt, 0), "CosineAnnealingLR", "tMax", "0"); }

    @Test void cosineNegativeEtaMin() { fails(() -> new CosineAnnealingLR(opt, 10, -0.01), "etaMin", "-0.01"); }

    @Test void linearZeroStartFactor() { fails(() -> new LinearLR(opt, 0, 1, 5), "LinearLR", "startFactor", "0.0"); }

    @Test void linearEndFactorAboveOne() { fails(() -> new LinearLR(opt, 0.5, 1.5, 5), "endFactor", "1.5"); }

    @Test void linearZeroTotalIters() { fails(() -> new LinearLR(opt, 0.5, 1, 0), "totalIters", "0"); }

    @Test void lambdaCountMustMatchGroups() {
        fails(() -> new LambdaLR(opt, List.of(e -> 1.0, e -> 0.5)), "LambdaLR", "2 lambdas", "1 parameter groups");
    }

    @Test void lambdaNonFiniteFactor() { fails(() -> new LambdaLR(opt, e -> Double.NaN), "LambdaLR", "NaN", "epoch 0"); }

    @Test void sequentialMilestoneCount() {
        var a = new LinearLR(opt, 0.1, 1, 2);
        var b = new MultiStepLR(opt, List.of(3), 0.1);
        fails(() -> new SequentialLR(opt, List.of(a, b), 2, 4), "SequentialLR", "need 1 milestones", "got 2");
    }

    @Test void sequentialMilestonesIncreasing() {
        var a = new LinearLR(opt, 0.1, 1, 2);
        var b = new MultiStepLR(opt, List.of(3), 0.1);
        var c = new CosineAnnealingLR(opt, 5);
        fails(() -> new SequentialLR(opt, List.of(a, b, c), 6, 4), "strictly increasing", "[6, 4]");
    }

    @Test void sequentialSchedulersOfAnotherOptimizer() {
        try (SGD other = SGD.builder(List.of(Tensor.zeros(Shape.of(1), Device.REF))).lr(0.1).build()) {
            var a = new LinearLR(opt, 0.1, 1, 2);
            var b = new MultiStepLR(other, List.of(3), 0.1);
            fails(() -> new SequentialLR(opt, List.of(a, b), 2), "scheduler 1", "another optimizer");
        }
    }

    @Test void oneCycleZeroTotalSteps() { fails(() -> OneCycleLR.builder(opt, 0.1, 0).build(), "OneCycleLR", "totalSteps", "0"); }

    @Test void oneCyclePctStartOutsideZeroOne() { fails(() -> OneCycleLR.builder(opt, 0.1, 10).pctStart(1.5).build(), "pctStart", "1.5"); }

    @Test void oneCycleNonPositiveDivFactor() { fails(() -> OneCycleLR.builder(opt, 0.1, 10).divFactor(0).build(), "divFactor", "0.0"); }

    @Test void oneCycleMomentumOfOne() { fails(() -> OneCycleLR.builder(opt, 0.1, 10).maxMomentum(1).build(), "maxMomentum", "1.0"); }

    @Test void oneCycleMaxLrPerGroupCount() {
        fails(() -> OneCycleLR.builder(opt, new double[] {0.1, 0.2, 0.3}, 10).build(), "3 max lrs", "1 parameter groups");
    }

    @Test void oneCycleMomentumNeedsAnOptimizerWithMomentum() {
        try (Plain plain = new Plain(List.of(Tensor.zeros(Shape.of(1), Device.REF)))) {
            fails(() -> OneCycleLR.builder(plain, 0.1, 10).build(), "cycleMomentum", "Plain");
            OneCycleLR s = OneCycleLR.builder(plain, 0.1, 10).cycleMomentum(false).build();
            assertEquals(0.004, s.lastLr(), 1e-15);
        }
    }

    @Test void oneCycleCannotStepPastTotalSteps() {
        OneCycleLR s = OneCycleLR.builder(opt, 0.1, 4).build();
        for (int i = 0; i < 4; i++) s.step();
        var e = assertThrows(IllegalStateException.class, s::step);
        assertTrue(e.getMessage().contains("totalSteps is 4"), e.getMessage());
        fails(() -> s.setLastEpoch(5), "epoch 5", "past totalSteps 4");
    }

    @Test void negativeEpoch() { fails(() -> new MultiStepLR(opt, List.of(5), 0.1).setLastEpoch(-1), "epoch", "-1"); }

    @Test void setLastEpochResumesWhereStepsWouldBe() {
        var stepped = new CosineAnnealingLR(opt, 10, 0.001);
        for (int i = 0; i < 7; i++) stepped.step();
        double lr7 = opt.lr();
        try (SGD fresh = SGD.builder(List.of(Tensor.zeros(Shape.of(2), Device.REF))).lr(0.1).build()) {
            var resumed = new CosineAnnealingLR(fresh, 10, 0.001);
            resumed.setLastEpoch(7);
            assertEquals(lr7, fresh.lr());
            assertEquals(7, resumed.lastEpoch());
            stepped.step();
            resumed.step();
            assertEquals(opt.lr(), fresh.lr());
        }
    }

    @Test void adamBeta1IsWhatOneCycleCycles() {
        try (Adam adam = Adam.builder(List.of(Tensor.zeros(Shape.of(1), Device.REF))).lr(1e-3).build()) {
            OneCycleLR.builder(adam, 0.01, 10).build();
            assertEquals(0.95, adam.group(0).options().beta1());
            assertEquals(0.999, adam.group(0).options().beta2());
        }
    }

    // ---- a user-defined optimizer without momentum (also shows the base class is open for extension) --------

    record PlainOptions(double lr) implements GroupOptions<PlainOptions> {
        @Override public PlainOptions withLr(double lr) { return new PlainOptions(lr); }

        @Override public Map<String, Double> toScalars() { return Map.of("lr", lr); }

        @Override public PlainOptions withScalars(Map<String, Double> values, String keyPrefix) {
            return new PlainOptions(values.getOrDefault("lr", lr));
        }
    }

    static final class Plain extends Optimizer<PlainOptions> {
        Plain(List<Tensor> params) { super("Plain", List.of(new ParamGroup<>(params, new PlainOptions(0.1)))); }

        @Override protected void update(PlainOptions o, Tensor param, Tensor grad, Tensor mask, ParamState state) {
            param.addInPlace(grad, -o.lr());
        }

        @Override protected Set<String> stateTensorNames() { return Set.of(); }
    }
}
