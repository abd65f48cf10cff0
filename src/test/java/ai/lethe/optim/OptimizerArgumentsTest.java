// Bad hyper-parameters and bad parameters are IllegalArgumentExceptions that name the argument and the value:
// one test per kind.
package ai.lethe.optim;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class OptimizerArgumentsTest {
    private Scope scope;
    private List<Tensor> ps;

    @BeforeEach void open() {
        scope = Scope.open();
        ps = List.of(Tensor.ones(Shape.of(2, 2), Device.REF).setRequiresGrad(true));
    }

    @AfterEach void close() { scope.close(); }

    private static void fails(Executable e, String... parts) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) assertTrue(x.getMessage().contains(p), "message '" + x.getMessage() + "' should mention '" + p + "'");
    }

    // ---- SGD ---------------------------------------------------------------------------------------------

    @Test void sgdNegativeLr() { fails(() -> SGD.builder(ps).lr(-0.1).build(), "SGD", "lr", "-0.1"); }

    @Test void sgdNaNLr() { fails(() -> SGD.builder(ps).lr(Double.NaN).build(), "SGD", "lr"); }

    @Test void sgdLrIsRequired() { fails(() -> SGD.builder(ps).momentum(0.9).build(), "SGD", "lr is required"); }

    @Test void sgdNegativeMomentum() { fails(() -> SGD.builder(ps).lr(0.1).momentum(-0.5).build(), "momentum", "-0.5"); }

    @Test void sgdDampeningOutsideZeroOne() { fails(() -> SGD.builder(ps).lr(0.1).momentum(0.9).dampening(1.5).build(), "dampening", "1.5"); }

    @Test void sgdNegativeWeightDecay() { fails(() -> SGD.builder(ps).lr(0.1).weightDecay(-1e-4).build(), "weightDecay", "-1.0E-4"); }

    @Test void sgdInfiniteWeightDecay() {
        fails(() -> SGD.builder(ps).lr(0.1).weightDecay(Double.POSITIVE_INFINITY).build(), "weightDecay", "Infinity");
    }

    @Test void sgdNesterovWithoutMomentum() { fails(() -> SGD.builder(ps).lr(0.1).nesterov(true).build(), "nesterov", "momentum 0.0"); }

    @Test void sgdNesterovWithDampening() {
        fails(() -> SGD.builder(ps).lr(0.1).momentum(0.9).dampening(0.1).nesterov(true).build(), "nesterov", "dampening 0.1");
    }

    @Test void sgdBadGroupOverride() {
        fails(() -> SGD.builder(ps).lr(0.1).group(List.of(Tensor.ones(Shape.of(1), Device.REF)), o -> o.withLr(-1)).build(), "lr", "-1.0");
    }

    @Test void sgdBooleanScalarMustBeZeroOrOne() {
        SgdOptions o = new SgdOptions(0.1, 0.9, 0, 0, false, false);
        fails(() -> o.withScalars(Map.of("nesterov", 0.5), "param_groups.0."), "param_groups.0.nesterov", "0.5");
    }

    // ---- Adam / AdamW ------------------------------------------------------------------------------------

    @Test void adamNegativeLr() { fails(() -> Adam.builder(ps).lr(-1e-3).build(), "lr", "-0.001"); }

    @Test void adamBeta1OfOne() { fails(() -> Adam.builder(ps).betas(1.0, 0.999).build(), "beta1", "[0.0, 1.0)", "1.0"); }

    @Test void adamNegativeBeta2() { fails(() -> AdamW.builder(ps).betas(0.9, -0.1).build(), "beta2", "-0.1"); }

    @Test void adamNegativeEps() { fails(() -> Adam.builder(ps).eps(-1e-8).build(), "eps", "-1.0E-8"); }

    @Test void adamWNegativeWeightDecay() { fails(() -> AdamW.builder(ps).weightDecay(-0.01).build(), "weightDecay", "-0.01"); }

    @Test void adamWDefaultsFollowPyTorch() {
        AdamW w = AdamW.builder(ps).build();
        assertEquals(new AdamOptions(1e-3, 0.9, 0.999, 1e-8, 0.01, false), w.group(0).options());
        assertTrue(w.decoupledWeightDecay());
        Adam a = Adam.builder(ps).build();
        assertEquals(0.0, a.group(0).options().weightDecay());
        assertFalse(a.decoupledWeightDecay());
    }

    // ---- parameters --------------------------------------------------------------------------------------

    @Test void noParameters() { fails(() -> SGD.builder().lr(0.1).build(), "SGD", "no parameter groups"); }

    @Test void emptyGroup() { fails(() -> Adam.builder(ps).group(List.of()).build(), "group 1", "empty"); }

    @Test void parameterInTwoGroups() {
        fails(() -> SGD.builder(ps).group(ps).lr(0.1).build(), "parameter 1 (group 1)", "also parameter 0");
    }

    @Test void nonLeafParameter() {
        Tensor leaf = Tensor.ones(Shape.of(3), Device.REF).setRequiresGrad(true);
        fails(() -> SGD.builder(List.of(leaf.mul(2.0))).lr(0.1).build(), "parameter 0", "not a leaf");
    }

    @Test void integerParameter() {
        fails(() -> SGD.builder(List.of(Tensor.zeros(Shape.of(3), DType.INT64, Device.REF))).lr(0.1).build(), "int64", "floating point");
    }

    @Test void nonContiguousParameter() {
        Tensor t = Tensor.ones(Shape.of(2, 3), Device.REF).t();
        fails(() -> SGD.builder(List.of(t)).lr(0.1).build(), "parameter 0", "[3, 2]", "not contiguous");
    }

    @Test void setLrRejectsNegativeAndChangesNoGroup() {
        SGD opt = SGD.builder(ps).group(List.of(Tensor.ones(Shape.of(1), Device.REF)), o -> o.withLr(0.01)).lr(0.1).build();
        fails(() -> opt.setLr(-2), "lr", "-2.0");
        assertEquals(0.1, opt.group(0).lr());
        assertEquals(0.01, opt.group(1).lr());
    }

    @Test void stepAfterCloseIsAnIllegalState() {
        SGD opt = SGD.builder(ps).lr(0.1).build();
        opt.close();
        var e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test void closedGradientIsAnIllegalState() {
        SGD opt = SGD.builder(ps).lr(0.1).build();
        Tensor p = ps.getFirst();
        try (var _ = Scope.open()) {
            p.setGrad(Tensor.ones(p.shape(), Device.REF));
        }
        var e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("parameter 0") && e.getMessage().contains("closed"), e.getMessage());
    }
}
