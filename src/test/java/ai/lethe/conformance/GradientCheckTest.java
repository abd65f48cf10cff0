// Finite-difference gradient checks of every differentiable op case, in float64 on the ref backend.
package ai.lethe.conformance;

import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradCheck;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class GradientCheckTest {
    @TestFactory Stream<DynamicTest> everyDifferentiableOpPassesGradcheck() {
        return OpCases.all().stream().filter(OpCases.OpCase::differentiable)
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    private static void check(OpCases.OpCase c) {
        Generator gen = new Generator(c.name().hashCode());
        List<Tensor> inputs = new ArrayList<>();
        boolean[] differentiable = new boolean[c.inputs().size()];
        for (int i = 0; i < c.inputs().size(); i++) {
            Input in = c.inputs().get(i);
            inputs.add(in.create(gen));
            differentiable[i] = in.differentiable();
        }
        GradCheck.assertGradients(c.name(), c.f(), inputs, differentiable);
    }
}
