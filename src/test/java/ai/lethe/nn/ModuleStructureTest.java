// State-dict keys (order, dtypes, shapes), named parameters/buffers/modules, parameter counts and printing of
// small composite models, against what PyTorch 1.13 reports for their twins (fixtures from nn_fixtures.py).
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModuleStructureTest {
    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("convnet", (Supplier<Module>) TestModels::convNet),
                Arguments.of("tinyresnet", (Supplier<Module>) TestModels.TinyResNet::new),
                Arguments.of("tinyvit", (Supplier<Module>) TestModels.TinyViT::new));
    }

    /** The fixture's sections: name -> lines. */
    private static Map<String, List<String>> sections(String model) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : Fixture.lines("/nn/structure_" + model + ".txt")) {
            if (line.isBlank()) continue;
            if (line.startsWith("section ")) out.put(line.substring(8), current = new ArrayList<>());
            else current.add(line);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}") @MethodSource("models")
    void stateDictKeysOrderDtypesAndShapesMatchPyTorch(String model, Supplier<Module> factory) {
        try (Module m = factory.get()) {
            List<String> actual = new ArrayList<>();
            for (var e : m.stateDict().entrySet()) {
                Tensor t = e.getValue();
                String shape = t.rank() == 0 ? "scalar" : String.join(",", java.util.Arrays.stream(t.shape().dims()).mapToObj(Long::toString).toList());
                actual.add(e.getKey() + " " + t.dtype() + " " + shape);
            }
            assertEquals(String.join("\n", sections(model).get("state_dict")), String.join("\n", actual));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("models")
    void namedParametersBuffersAndModulesMatchPyTorch(String model, Supplier<Module> factory) {
        var expected = sections(model);
        try (Module m = factory.get()) {
            assertEquals(expected.get("named_parameters"), List.copyOf(m.namedParameters().keySet()));
            assertEquals(expected.get("named_buffers"), List.copyOf(m.namedBuffers().keySet()));
            List<String> modules = new ArrayList<>();
            for (var e : m.namedModules().entrySet())
                modules.add((e.getKey().isEmpty() ? "-" : e.getKey()) + " " + e.getValue().getClass().getSimpleName());
            assertEquals(expected.get("named_modules"), modules);
            assertEquals(Long.parseLong(expected.get("num_parameters").getFirst()), m.numParameters());
            assertEquals(m.parameters().size(), m.namedParameters().size());
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("models")
    void toStringPrintsLikePyTorch(String model, Supplier<Module> factory) {
        try (Module m = factory.get()) {
            assertEquals(Fixture.text("/nn/repr_" + model + ".txt").stripTrailing(), m.toString());
        }
    }
}
