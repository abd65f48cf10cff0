// Finite-difference gradient checking (torch.autograd.gradcheck): runs a function in float64 on the ref
// backend, compares the gradients autograd computes with central differences of a random projection of its
// output, and reports the worst element. Usable by any op or layer of later issues.
package ai.lethe.tensor;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

public final class GradCheck {
    /** Tolerances and step: |analytic − numeric| ≤ atol + rtol·|numeric| for every element. */
    public record Options(double eps, double atol, double rtol) {
        public static final Options DEFAULT = new Options(1e-6, 1e-5, 1e-3);
    }

    /** The outcome: whether every element passed, and a description of the worst one. */
    public record Result(boolean passed, String report, double worstError) {}

    private GradCheck() {}

    /** Throws an AssertionError describing the worst element when the gradients disagree. */
    public static void assertGradients(String name, Function<List<Tensor>, Tensor> f, List<Tensor> inputs) {
        assertGradients(name, f, inputs, null);
    }

    /** As above, differentiating only the inputs flagged in {@code differentiable} (null: every float input). */
    public static void assertGradients(String name, Function<List<Tensor>, Tensor> f, List<Tensor> inputs,
                                       boolean[] differentiable) {
        Result r = check(f, inputs, differentiable, Options.DEFAULT);
        if (!r.passed()) throw new AssertionError("gradcheck " + name + ": " + r.report());
    }

    /**
     * Checks {@code f}'s gradient with respect to every floating-point input. The inputs are copied to the
     * ref backend in float64 (int64 inputs are copied as they are), so {@code f} must create any constant
     * tensors it needs on the device and dtype of its inputs. Float inputs not flagged in
     * {@code differentiable} (null: all are) become float64 constants.
     */
    public static Result check(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, boolean[] differentiable,
                               Options options) {
        if (differentiable != null && differentiable.length != inputs.size())
            throw new IllegalArgumentException("gradcheck: " + differentiable.length + " flags for " + inputs.size() + " inputs");
        try (var _ = Scope.open("gradcheck")) {
            List<Tensor> xs = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++)
                xs.add(toRef64(inputs.get(i), differentiable == null || differentiable[i]));
            Tensor probe;
            try (var _ = GradMode.noGrad()) {
                Tensor out = f.apply(xs);
                probe = Tensor.normal(out.shape(), 0, 1, new Generator(1234), DType.FLOAT64, Device.REF);
            }
            Tensor loss = f.apply(xs).mul(probe).sum();
            loss.backward();
            double worst = 0;
            String worstReport = "all gradients match";
            boolean passed = true;
            String failure = null;
            for (int i = 0; i < xs.size(); i++) {
                Tensor x = xs.get(i);
                if (!x.requiresGrad()) continue;
                double[] analytic = x.grad() == null ? new double[(int) x.numel()] : x.grad().toDoubleArray();
                double[] values = x.toDoubleArray();
                for (int j = 0; j < values.length; j++) {
                    double numeric = (projected(f, xs, i, values, j, options.eps(), probe)
                            - projected(f, xs, i, values, j, -options.eps(), probe)) / (2 * options.eps());
                    double err = Math.abs(analytic[j] - numeric);
                    double allowed = options.atol() + options.rtol() * Math.abs(numeric);
                    boolean ok = err <= allowed && !Double.isNaN(analytic[j]) && !Double.isNaN(numeric);
                    String here = "input " + i + " (shape " + x.shape() + ") element " + j + ": analytic " + analytic[j]
                            + ", numeric " + numeric + ", error " + err + " (allowed " + allowed + ")";
                    if (!ok && passed) {
                        passed = false;
                        failure = here;
                    }
                    if (!(err <= worst)) {
                        worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                        worstReport = here;
                    }
                }
            }
            return new Result(passed, passed ? "worst: " + worstReport : "first failure: " + failure, worst);
        }
    }

    private static Tensor toRef64(Tensor t, boolean differentiate) {
        try (var _ = GradMode.noGrad()) {
            Tensor onRef = t.to(Device.REF);
            boolean isFloat = t.dtype().isFloatingPoint();
            Tensor r = isFloat ? onRef.to(DType.FLOAT64).contiguousCopy() : onRef.contiguousCopy();
            return isFloat && differentiate ? r.setRequiresGrad(true) : r;
        }
    }

    /** Σ probe · f(inputs with element j of input i set to values[j] + delta), without recording. */
    private static double projected(Function<List<Tensor>, Tensor> f, List<Tensor> xs, int i, double[] values, int j,
                                    double delta, Tensor probe) {
        try (var _ = Scope.open("gradcheck-probe"); var _ = GradMode.noGrad()) {
            double[] v = values.clone();
            v[j] += delta;
            List<Tensor> perturbed = new ArrayList<>(xs);
            perturbed.set(i, Tensor.fromArray(v, DType.FLOAT64, Device.REF, xs.get(i).shape().dims()));
            return f.apply(perturbed).mul(probe).sum().item();
        }
    }
}
