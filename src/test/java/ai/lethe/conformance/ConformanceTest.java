// The one conformance suite: every op case of OpCases runs on every available backend other than ref and is
// compared with ref (forward output and the gradient of every differentiable input for a random upstream
// gradient), at float32 relative error <= 1e-5. A new backend joins by being available. A backend that still lacks
// SPI ops (KnownMissing: the CUDA backend during issue 14) runs every case too: a case that reaches a listed op
// passes as known missing and is reported (target/test-report/known-missing.tsv); any other failure fails.
package ai.lethe.conformance;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.KnownMissing;
import ai.lethe.testing.SuiteReport;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class ConformanceTest {
    static final double TOLERANCE = 1e-5;

    /** Available backends to test against ref. */
    static List<Backend> backendsUnderTest() {
        return TestBackends.conformance().stream().filter(b -> !b.name().equals("ref")).toList();
    }

    @TestFactory Stream<DynamicTest> everyOpMatchesRef() {
        List<Backend> backends = backendsUnderTest();
        if (backends.isEmpty())
            return Stream.of(DynamicTest.dynamicTest("no backend besides ref", () -> Assumptions.abort(
                    "only the ref backend is available: " + Backends.all().stream()
                            .map(b -> b.name() + " (" + b.availability().reason() + ")").toList())));
        return backends.stream().flatMap(b -> OpCases.all().stream()
                .map(c -> DynamicTest.dynamicTest(c.name() + " [" + b.name() + "]", () -> checkOn(c, b))));
    }

    /** check(), with an op the backend is known to lack reported rather than failed. */
    static void checkOn(OpCases.OpCase c, Backend b) {
        try {
            check(c, b.device());
        } catch (RuntimeException e) {
            Optional<String> op = KnownMissing.missingOp(e);
            if (op.isEmpty()) throw e;
            if (!KnownMissing.ops(b.name()).contains(op.get()))
                throw new AssertionError(c.name() + " on " + b.name() + ": reached " + op.get()
                        + ", which is not on the backend and not in KnownMissing", e);
            SuiteReport.knownMissing(b.name(), c.name(), op.get());
        }
    }

    static void check(OpCases.OpCase c, Device device) {
        try (Scope s = Scope.open(c.name())) {
            Result ref = run(c, Device.REF);
            Result other = run(c, device);
            Compare.close(c.name() + " forward", ref.output, other.output, TOLERANCE);
            if (!c.differentiable()) return;
            for (int i = 0; i < ref.grads.size(); i++) {
                if (ref.grads.get(i) == null) continue;
                Compare.close(c.name() + " gradient of input " + i, ref.grads.get(i), other.grads.get(i), TOLERANCE);
            }
        }
    }

    record Result(Tensor output, List<Tensor> grads) {}

    /** Runs a case on {@code device}: same inputs (drawn on ref, copied), same upstream gradient. */
    static Result run(OpCases.OpCase c, Device device) {
        Generator gen = new Generator(c.name().hashCode());
        List<Tensor> inputs = new ArrayList<>();
        for (Input in : c.inputs()) {
            Tensor t = in.create(gen).to(device);
            if (c.differentiable() && in.differentiable()) t.setRequiresGrad(true);
            inputs.add(t);
        }
        Tensor out = c.f().apply(inputs);
        List<Tensor> grads = new ArrayList<>();
        if (c.differentiable()) {
            Tensor upstream = Tensor.randn(out.shape(), new Generator(99), Device.REF).to(device);
            out.backward(upstream);
            for (Tensor t : inputs) grads.add(t.requiresGrad() ? t.grad() : null);
        }
        return new Result(out, grads);
    }
}
