// Module lifetimes and devices: parameters live in the module's own scope (they outlive the scope they were
// made in; gradients land beside them), to(Device)/to(DType) replace every tensor keeping requiresGrad and
// sharing, close() returns every byte to the backend, and any use after close is an IllegalStateException.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Backends;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModuleLifecycleTest {
    static List<Device> devices() { return TestBackends.devices(); }

    private static Map<Device, Long> liveBytes() {
        Map<Device, Long> out = new LinkedHashMap<>();
        for (Device d : TestBackends.devices()) out.put(d, Backends.of(d).memoryStats().liveBytes());
        return out;
    }

    private static void trainStep(Module m, Device d) {
        try (Scope _ = Scope.open("step")) {
            Tensor x = Tensor.randn(Shape.of(2, 3, 8, 8), new Generator(5), d);
            m.forward(x).square().sum().backward();
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void closeReturnsEveryByteOfParametersBuffersAndGradients(Device d) {
        Map<Device, Long> before = liveBytes();
        Module m = TestModels.convNet();
        m.to(d);
        trainStep(m, d);
        assertNotNull(m.parameter("0.weight").grad());
        assertTrue(Backends.of(d).memoryStats().liveBytes() > before.get(d), "the model holds memory on " + d);
        List<Tensor> tensors = List.copyOf(m.stateDict().values());
        m.close();
        assertEquals(before, liveBytes(), "live bytes after close");
        for (Tensor t : tensors) assertTrue(t.isClosed());
    }

    @Test void useAfterCloseThrowsIllegalStateException() {
        Sequential m = TestModels.convNet();
        ReLU relu = new ReLU();
        m.close();
        relu.close();
        m.close();
        assertTrue(m.isClosed());
        try (Scope _ = Scope.open()) {
            Tensor x = Tensor.zeros(Shape.of(1, 3, 8, 8));
            List<Runnable> uses = List.of(() -> m.forward(x), m::parameters, m::stateDict, m::namedModules, () -> m.to(Device.REF),
                    () -> m.loadStateDict(Map.of(), false), () -> m.parameter("0.weight"), () -> m.buffer("1.running_mean"),
                    m::eval, () -> m.registerModule("x", new Identity()), () -> relu.forward(x), () -> m.module("0").forward(x));
            for (Runnable use : uses) {
                var e = assertThrows(IllegalStateException.class, use::run);
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
            }
        }
    }

    @Test void parametersOutliveTheScopeTheyWereMadeInAndGradientsLandBesideThem() {
        Linear lin;
        try (Scope _ = Scope.open("construction")) {
            lin = new Linear(3, 2);
        }
        try (lin) {
            Tensor w = lin.parameter("weight");
            assertFalse(w.isClosed());
            assertTrue(w.requiresGrad() && w.isLeaf());
            assertTrue(w.owner() != null && w.owner() == lin.parameter("bias").owner());
            try (Scope _ = Scope.open("step")) {
                lin.forward(Tensor.ones(Shape.of(4, 3))).sum().backward();
            }
            assertFalse(w.grad().isClosed(), "gradient survives the step's scope");
            assertSame(w.owner(), w.grad().owner());
            assertArrayEquals(new float[] {4, 4, 4, 4, 4, 4}, w.grad().toFloatArray());
            lin.zeroGrad();
            assertNull(w.grad());
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void toDeviceMovesEveryTensorKeepingRequiresGradGradientsAndValues(Device d) {
        try (Sequential m = TestModels.convNet(); Scope _ = Scope.open()) {
            m.to(Device.REF);
            m.parameter("10.bias").setRequiresGrad(false);
            trainStep(m, Device.REF);
            Map<String, double[]> values = new LinkedHashMap<>(), grads = new LinkedHashMap<>();
            Map<String, Boolean> requires = new LinkedHashMap<>();
            Map<String, Tensor> old = new LinkedHashMap<>(m.stateDict());
            for (var e : old.entrySet()) {
                values.put(e.getKey(), e.getValue().toDoubleArray());
                requires.put(e.getKey(), e.getValue().requiresGrad());
                if (e.getValue().grad() != null) grads.put(e.getKey(), e.getValue().grad().toDoubleArray());
            }
            assertTrue(m.to(d) == m);
            for (var e : m.stateDict().entrySet()) {
                Tensor t = e.getValue();
                String k = e.getKey();
                assertEquals(d, t.device(), k);
                assertEquals(requires.get(k), t.requiresGrad(), k + " requiresGrad");
                assertArrayEquals(values.get(k), t.toDoubleArray(), 0, k);
                if (grads.containsKey(k)) {
                    assertEquals(d, t.grad().device());
                    assertSame(t.owner(), t.grad().owner());
                    assertArrayEquals(grads.get(k), t.grad().toDoubleArray(), 0, k + " grad");
                } else {
                    assertNull(t.grad(), k);
                }
                if (!d.equals(Device.REF)) assertTrue(old.get(k).isClosed(), k + ": the old tensor is freed");
                else assertSame(old.get(k), t, k + ": moving to the same device keeps the tensor");
            }
            assertEquals(DType.INT64, m.buffer("1.num_batches_tracked").dtype());
            assertFalse(m.parameter("10.bias").requiresGrad());
            m.zeroGrad();
            trainStep(m, d);
            assertNotNull(m.parameter("0.weight").grad());
            assertNull(m.parameter("10.bias").grad());
        }
    }

    @Test void toDTypeConvertsFloatingTensorsOnly() {
        try (Module m = new BatchNorm2d(3)) {
            m.to(DType.FLOAT64);
            assertEquals(DType.FLOAT64, m.parameter("weight").dtype());
            assertTrue(m.parameter("weight").requiresGrad());
            assertEquals(DType.FLOAT64, m.buffer("running_var").dtype());
            assertEquals(DType.INT64, m.buffer("num_batches_tracked").dtype());
            assertThrows(IllegalArgumentException.class, () -> m.to(DType.INT64));
        }
    }

    /** Weight tying: a tensor registered in two modules is listed once, saved under both keys, and stays shared. */
    @ParameterizedTest @MethodSource("devices")
    void sharedParameterStaysSharedWhenMoved(Device d) {
        try (Linear a = new Linear(4, 4); Linear b = new Linear(4, 4, false); Sequential m = new Sequential(a, b)) {
            b.registerParameter("weight", a.parameter("weight"));
            assertEquals(List.of("0.weight", "0.bias"), List.copyOf(m.namedParameters().keySet()));
            assertEquals(List.of("0.weight", "0.bias", "1.weight"), List.copyOf(m.stateDict().keySet()));
            assertEquals(20, m.numParameters());
            m.to(d);
            assertSame(a.parameter("weight"), b.parameter("weight"));
            assertEquals(d, b.parameter("weight").device());
        }
    }

    @Test void registeringAgainReplacesInPlaceAndFreesTheOldTensor() {
        try (Linear lin = new Linear(3, 2)) {
            Tensor old = lin.parameter("bias");
            Tensor fresh = lin.registerParameter("bias", Tensor.zeros(Shape.of(2)));
            assertTrue(old.isClosed());
            assertSame(fresh, lin.parameter("bias"));
            assertEquals(List.of("weight", "bias"), List.copyOf(lin.namedParameters().keySet()));
            lin.registerParameter("bias", null);
            assertEquals(List.of("weight"), List.copyOf(lin.stateDict().keySet()));
            assertEquals("Linear(in_features=3, out_features=2, bias=False)", lin.toString());
        }
    }

    @Test void registrationRejectsBadNamesAndTensors() {
        try (Linear lin = new Linear(3, 2); Scope _ = Scope.open()) {
            assertThrows(IllegalArgumentException.class, () -> lin.registerParameter("a.b", Tensor.zeros(Shape.of(1))));
            assertThrows(IllegalArgumentException.class, () -> lin.registerBuffer("", Tensor.zeros(Shape.of(1))));
            var e = assertThrows(IllegalArgumentException.class, () -> lin.registerBuffer("weight", Tensor.zeros(Shape.of(1))));
            assertTrue(e.getMessage().contains("already registered as a parameter"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> lin.registerModule("bias", new Identity()));
            Tensor leaf = Tensor.ones(Shape.of(2)).setRequiresGrad(true);
            assertThrows(IllegalArgumentException.class, () -> lin.registerParameter("derived", leaf.mul(2)));
            assertThrows(IllegalArgumentException.class, () -> lin.registerParameter("idx", Tensor.zeros(Shape.of(2), DType.INT64, Device.REF)));
            assertThrows(IllegalArgumentException.class, () -> lin.registerBuffer("b", leaf));
            assertThrows(IllegalArgumentException.class, () -> lin.registerModule("self", lin));
            assertThrows(IllegalArgumentException.class, () -> lin.parameter("nope"));
            assertThrows(IllegalArgumentException.class, () -> lin.module("nope"));
        }
    }

    @Test void nonPersistentBuffersMoveButStayOutOfTheStateDict() {
        try (Identity m = new Identity()) {
            m.registerBuffer("kept", Tensor.zeros(Shape.of(2)));
            m.registerBuffer("scratch", Tensor.zeros(Shape.of(3)), false);
            assertEquals(List.of("kept", "scratch"), List.copyOf(m.namedBuffers().keySet()));
            assertEquals(List.of("kept"), List.copyOf(m.stateDict().keySet()));
        }
    }

    @Test void functionalCallSubstitutesAndRestores() {
        try (Linear lin = new Linear(2, 1, false); Scope _ = Scope.open()) {
            Tensor w = lin.parameter("weight");
            Tensor other = Tensor.fromArray(new float[] {2, 3}, 1, 2).setRequiresGrad(true);
            Tensor y = lin.functionalCall(Map.of("weight", other), Tensor.fromArray(new float[] {1, 1}, 1, 2));
            assertEquals(5, y.item(), 0);
            y.sum().backward();
            assertArrayEquals(new float[] {1, 1}, other.grad().toFloatArray());
            assertNull(w.grad());
            assertSame(w, lin.parameter("weight"));
            assertFalse(other.isClosed());
            assertThrows(IllegalArgumentException.class, () -> lin.functionalCall(Map.of("bogus", other), other));
            assertSame(w, lin.parameter("weight"));
        }
    }

    @Test void freezingLeavesGradientsEmpty() {
        try (Linear lin = new Linear(3, 2); Scope _ = Scope.open()) {
            lin.setRequiresGrad(false);
            Tensor x = Tensor.ones(Shape.of(1, 3)).setRequiresGrad(true);
            lin.forward(x).sum().backward();
            assertNull(lin.parameter("weight").grad());
            assertNotNull(x.grad());
        }
    }
}
