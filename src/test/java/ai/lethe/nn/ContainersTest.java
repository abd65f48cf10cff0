// Sequential, ModuleList and the tree operations: child naming, indexing, chaining, recursive train/eval,
// apply's post-order, named_modules' pre-order.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Shape;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainersTest {
    @Test void sequentialNamesIndexesAndChains() {
        Linear a = new Linear(2, 2, false);
        try (Sequential seq = new Sequential(a, new ReLU()); Scope _ = Scope.open()) {
            seq.append(new Flatten());
            assertEquals(List.of("0", "1", "2"), List.copyOf(seq.namedChildren().keySet()));
            assertEquals(3, seq.size());
            assertSame(a, seq.get(0));
            assertTrue(seq.get(-1) instanceof Flatten);
            assertThrows(IndexOutOfBoundsException.class, () -> seq.get(3));
            Init.constant(a.parameter("weight"), -1);
            assertArrayEquals(new float[] {0, 0, 0, 0}, seq.forward(Tensor.ones(Shape.of(2, 2))).toFloatArray());
            assertArrayEquals(new float[] {3, 3}, seq.forward(Tensor.full(Shape.of(1, 2), -1.5)).toFloatArray());
        }
    }

    @Test void namedSequentialKeepsItsNames() {
        Map<String, Module> named = new LinkedHashMap<>();
        named.put("fc", new Linear(3, 4));
        named.put("act", new GELU());
        try (Sequential seq = new Sequential(named)) {
            assertEquals(List.of("fc.weight", "fc.bias"), List.copyOf(seq.stateDict().keySet()));
        }
    }

    @Test void moduleListIndexesAndHasNoForward() {
        try (ModuleList list = new ModuleList(List.of(new Linear(2, 3), new Linear(3, 4)))) {
            list.append(new Identity());
            assertEquals(3, list.size());
            assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias"), List.copyOf(list.stateDict().keySet()));
            int n = 0;
            for (Module m : list) n += m.parameters().size();
            assertEquals(4, n);
            assertTrue(list.get(-1) instanceof Identity);
            assertThrows(UnsupportedOperationException.class, () -> list.forward(null));
        }
    }

    @Test void trainAndEvalAreRecursive() {
        try (Module m = new TestModels.TinyResNet()) {
            assertTrue(m.namedModules().values().stream().allMatch(Module::isTraining));
            assertSame(m, m.eval());
            assertTrue(m.namedModules().values().stream().noneMatch(Module::isTraining));
            m.module("layer2").train();
            assertFalse(m.isTraining());
            assertTrue(m.module("layer2.0.downsample.1").isTraining());
            m.train();
            assertTrue(m.namedModules().values().stream().allMatch(Module::isTraining));
        }
    }

    @Test void applyVisitsChildrenBeforeParentsAndNamedModulesIsPreOrder() {
        Identity a = new Identity(), b = new Identity(), c = new Identity();
        Sequential inner = new Sequential(a, b);
        try (Sequential outer = new Sequential(inner, c)) {
            List<Module> visited = new ArrayList<>();
            outer.apply(visited::add);
            assertEquals(List.of(a, b, inner, c, outer), visited);
            assertEquals(List.of("", "0", "0.0", "0.1", "1"), List.copyOf(outer.namedModules().keySet()));
            assertSame(b, outer.module("0.1"));
        }
    }

    @Test void applyCanInitialiseEveryLinear() {
        try (Module m = new TestModels.TinyViT()) {
            m.apply(mod -> {
                if (mod instanceof Linear l) {
                    Init.xavierUniform(l.parameter("weight"));
                    Init.zeros(l.parameter("bias"));
                }
            });
            for (double v : m.parameter("blocks.0.mlp.fc1.bias").toDoubleArray()) assertEquals(0, v);
        }
    }
}
