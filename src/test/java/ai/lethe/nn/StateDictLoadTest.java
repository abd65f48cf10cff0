// Module.loadStateDict: strict mode reports every missing key, unexpected key and shape mismatch in one
// exception and copies nothing; lenient mode copies what matches and returns the problems; values cross
// devices and dtypes; a [1] tensor loads into a 0-dimensional buffer as PyTorch allows.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class StateDictLoadTest {
    static List<Device> devices() { return TestBackends.devices(); }

    /** A state dict for convNet with fresh random values (copies, on {@code device}). */
    private static Map<String, Tensor> randomState(Module m, Device device, long seed) {
        Generator g = new Generator(seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : m.stateDict().entrySet()) {
            Tensor t = e.getValue();
            out.put(e.getKey(), t.dtype() == DType.INT64 ? Tensor.full(t.shape(), 7, DType.INT64, device)
                    : Tensor.normal(t.shape(), 0, 1, g, DType.FLOAT32, device));
        }
        return out;
    }

    private static Map<String, float[]> snapshot(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : m.stateDict().entrySet()) out.put(e.getKey(), e.getValue().to(DType.FLOAT32).toFloatArray());
        return out;
    }

    @Test void strictLoadListsEveryProblemAndCopiesNothing() {
        try (Module m = TestModels.convNet(); Scope _ = Scope.open()) {
            Map<String, float[]> before = snapshot(m);
            Map<String, Tensor> state = randomState(m, Device.REF, 1);
            state.remove("0.weight");
            state.remove("4.bias");
            state.put("extra.weight", Tensor.zeros(Shape.of(2, 2), Device.REF));
            state.put("1.foo", Tensor.zeros(Shape.of(3), Device.REF));
            state.put("10.weight", Tensor.zeros(Shape.of(16, 10), Device.REF));
            state.put("1.running_mean", Tensor.zeros(Shape.of(9), Device.REF));
            var e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, true));
            String msg = e.getMessage();
            for (String expected : List.of("2 missing", "2 unexpected", "2 with another shape",
                    "missing key '0.weight' (model shape [8, 3, 3, 3])", "missing key '4.bias' (model shape [16])",
                    "unexpected key 'extra.weight' (shape [2, 2])", "unexpected key '1.foo' (shape [3])",
                    "shape mismatch for '10.weight': model has [10, 16], state dict has [16, 10]",
                    "shape mismatch for '1.running_mean': model has [8], state dict has [9]"))
                assertTrue(msg.contains(expected), "message lacks \"" + expected + "\":\n" + msg);
            Map<String, float[]> after = snapshot(m);
            for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k), k + " changed by a failed strict load");
        }
    }

    @Test void lenientLoadCopiesMatchingKeysAndReturnsTheRest() {
        try (Module m = TestModels.convNet(); Scope _ = Scope.open()) {
            Map<String, float[]> before = snapshot(m);
            Map<String, Tensor> state = randomState(m, Device.REF, 2);
            state.remove("0.weight");
            state.put("head.bias", Tensor.zeros(Shape.of(3), Device.REF));
            state.put("10.bias", Tensor.zeros(Shape.of(11), Device.REF));
            LoadResult r = m.loadStateDict(state, false);
            assertEquals(List.of("0.weight"), r.missingKeys());
            assertEquals(List.of("head.bias"), r.unexpectedKeys());
            assertEquals(List.of(new LoadResult.ShapeMismatch("10.bias", Shape.of(10), Shape.of(11))), r.shapeMismatches());
            Map<String, float[]> after = snapshot(m);
            assertArrayEquals(before.get("0.weight"), after.get("0.weight"));
            assertArrayEquals(before.get("10.bias"), after.get("10.bias"));
            assertArrayEquals(state.get("10.weight").toFloatArray(), after.get("10.weight"));
            assertArrayEquals(state.get("1.running_var").toFloatArray(), after.get("1.running_var"));
            assertEquals(7, m.buffer("5.num_batches_tracked").item());
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void loadsAcrossDevicesAndDtypesIntoTheExistingTensors(Device d) {
        try (Module m = TestModels.convNet(); Scope _ = Scope.open()) {
            m.to(d);
            Map<String, Tensor> identities = new LinkedHashMap<>(m.stateDict());
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (var e : randomState(m, Device.REF, 3).entrySet())
                state.put(e.getKey(), e.getValue().dtype() == DType.INT64 ? e.getValue() : e.getValue().to(DType.FLOAT64));
            state.put("1.num_batches_tracked", Tensor.fromLongs(new long[] {5}, Device.REF, 1));
            assertTrue(m.loadStateDict(state, true).isClean());
            for (var e : m.stateDict().entrySet()) {
                assertTrue(e.getValue() == identities.get(e.getKey()), e.getKey() + ": loading must copy into the existing tensor");
                assertEquals(d, e.getValue().device());
                assertArrayEquals(state.get(e.getKey()).toDoubleArray(), e.getValue().toDoubleArray(), 1e-6, e.getKey());
            }
            assertEquals(DType.INT64, m.buffer("1.num_batches_tracked").dtype());
            assertEquals(Shape.scalar(), m.buffer("1.num_batches_tracked").shape());
            assertEquals(5, m.buffer("1.num_batches_tracked").item());
            assertTrue(m.parameter("0.weight").requiresGrad());
        }
    }

    /** Old torchvision checkpoints have no num_batches_tracked; PyTorch loads them strictly and zeroes the counter. */
    @Test void missingBatchNormCounterIsResetNotReported() {
        try (Module m = new TestModels.TinyResNet(); Scope _ = Scope.open()) {
            Map<String, Tensor> state = randomState(m, Device.REF, 4);
            state.keySet().removeIf(k -> k.endsWith("num_batches_tracked"));
            assertEquals(6, state.keySet().stream().filter(k -> k.endsWith("running_mean")).count());
            assertTrue(m.loadStateDict(state, true).isClean());
            for (var e : m.stateDict().entrySet())
                if (e.getKey().endsWith("num_batches_tracked")) assertEquals(0, e.getValue().item(), e.getKey());
                else assertArrayEquals(state.get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), e.getKey());
            try (BatchNorm2d bn = new BatchNorm2d(2)) {
                var only = new LinkedHashMap<>(bn.stateDict());
                only.remove("num_batches_tracked");
                assertTrue(bn.loadStateDict(only, true).isClean());
            }
        }
    }

    @Test void loadingOwnStateDictIsANoOp() {
        try (Module m = TestModels.convNet()) {
            Map<String, float[]> before = snapshot(m);
            assertTrue(m.loadStateDict(m.stateDict(), true).isClean());
            Map<String, float[]> after = snapshot(m);
            for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k));
        }
    }
}
