// Model weights as safetensors: a PyTorch-written state dict loads into the twin Lethe model (strict, and the
// eval output matches torch's), a saved model loads bit for bit into a fresh one on every device pair (BatchNorm
// buffers and num_batches_tracked included), strict loading lists every problem and changes nothing, lenient
// loading returns the lists, and F16/BF16 files convert into the model's float32.
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.nn.LoadResult;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelFilesTest {
    @TempDir Path dir;

    static List<Device> devices() { return TestBackends.devices(); }

    static List<Arguments> devicePairs() {
        List<Arguments> out = new ArrayList<>();
        for (Device a : devices()) for (Device b : devices()) out.add(Arguments.of(a, b));
        return out;
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void aPyTorchStateDictLoadsAndComputesWhatTorchComputed(Device device) throws IOException {
        for (String[] c : new String[][] {{"torch_model.safetensors", "y"}, {"torch_model_f16.safetensors", "y_f16"}}) {
            try (Module m = TestNets.net(device); Scope _ = Scope.open();
                 SafetensorsFile io = Safetensors.open(IoTestSupport.fixture("torch_model_io.safetensors"))) {
                LoadResult r = ModelFiles.load(m, IoTestSupport.fixture(c[0]), true);
                assertTrue(r.isClean(), c[0]);
                assertEquals(2, m.stateDict().get("1.num_batches_tracked").item(), c[0]);
                assertEquals(device, m.stateDict().get("0.weight").device());
                m.eval();
                float[] y;
                try (var _ = GradMode.noGrad()) {
                    y = m.forward(io.tensor("x", device)).toFloatArray();
                }
                float[] want = io.tensor(c[1], Device.REF).toFloatArray();
                for (int i = 0; i < want.length; i++) assertEquals(want[i], y[i], 1e-5, c[0] + " output " + i);
            }
        }
    }

    @ParameterizedTest(name = "saved on {0}, loaded on {1}")
    @MethodSource("devicePairs")
    void aSavedModelLoadsBitForBitIntoAFreshOne(Device from, Device to) throws IOException {
        Path file = dir.resolve("model.safetensors");
        try (Module a = TestNets.net(from); Module b = TestNets.net(to)) {
            TestNets.warmUp(a, from, 3, 11);
            ModelFiles.save(a, file, Map.of("note", "hello"));
            assertNotEquals(TestNets.bits(a).get("0.weight float32 [4, 3, 3, 3]")[0], TestNets.bits(b).get("0.weight float32 [4, 3, 3, 3]")[0]);
            LoadResult r = ModelFiles.load(b, file);
            assertTrue(r.isClean());
            var expected = TestNets.bits(a);
            var actual = TestNets.bits(b);
            assertEquals(expected.keySet(), actual.keySet());
            for (String k : expected.keySet()) assertArrayEquals(expected.get(k), actual.get(k), k);
            assertArrayEquals(new long[] {3}, actual.get("1.num_batches_tracked int64 []"));
            for (Tensor t : b.stateDict().values()) assertEquals(to, t.device());
            try (SafetensorsFile f = Safetensors.open(file)) {
                assertEquals(List.copyOf(a.stateDict().keySet()), f.names(), "PyTorch's state_dict order");
                assertEquals(Map.of("format", "pt", "note", "hello"), f.metadata());
                assertEquals(SafetensorsDType.I64, f.info("1.num_batches_tracked").dtype());
                assertEquals(Shape.scalar(), f.info("1.num_batches_tracked").shape());
            }
        }
    }

    @Test void strictLoadingListsEveryProblemNamesTheFileAndChangesNothing() throws IOException {
        Path file = dir.resolve("other.safetensors");
        Device d = Device.REF;
        try (Module saved = TestNets.net(d, 5); Module target = TestNets.net(d); Scope _ = Scope.open()) {
            var state = new java.util.LinkedHashMap<>(saved.stateDict());
            state.remove("1.running_var");
            state.put("extra.weight", Tensor.zeros(Shape.of(2, 2), d));
            Safetensors.write(file, state, null);
            var before = TestNets.bits(target);
            var e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(target, file, true));
            String msg = e.getMessage();
            for (String part : List.of(file.toString(), "1 missing, 1 unexpected, 2 with another shape",
                    "missing key '1.running_var' (model shape [4])", "unexpected key 'extra.weight' (shape [2, 2])",
                    "shape mismatch for '4.weight': model has [6, 100], state dict has [5, 100]",
                    "shape mismatch for '4.bias': model has [6], state dict has [5]"))
                assertTrue(msg.contains(part), "'" + part + "' in: " + msg);
            var after = TestNets.bits(target);
            for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k), "unchanged: " + k);
        }
    }

    @Test void lenientLoadingCopiesWhatMatchesAndReturnsTheProblems() throws IOException {
        Path file = dir.resolve("other.safetensors");
        Device d = Device.REF;
        try (Module saved = TestNets.net(d, 5); Module target = TestNets.net(d); Scope _ = Scope.open()) {
            var state = new java.util.LinkedHashMap<>(saved.stateDict());
            state.remove("1.running_var");
            state.put("extra.weight", Tensor.zeros(Shape.of(2, 2), d));
            Safetensors.write(file, state, null);
            LoadResult r = ModelFiles.load(target, file, false);
            assertEquals(List.of("1.running_var"), r.missingKeys());
            assertEquals(List.of("extra.weight"), r.unexpectedKeys());
            assertEquals(List.of("4.weight", "4.bias"), r.shapeMismatches().stream().map(LoadResult.ShapeMismatch::key).toList());
            assertEquals(Shape.of(5, 100), r.shapeMismatches().getFirst().stateDictShape());
            assertArrayEquals(saved.stateDict().get("0.weight").toFloatArray(), target.stateDict().get("0.weight").toFloatArray());
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void halfPrecisionFilesLoadIntoFloat32Models(Device device) throws IOException {
        for (FloatStorage storage : List.of(FloatStorage.F16, FloatStorage.BF16)) {
            Path file = dir.resolve(storage + ".safetensors");
            try (Module a = TestNets.net(device); Module b = TestNets.net(device)) {
                TestNets.warmUp(a, device, 1, 5);
                ModelFiles.save(a, file, null, storage);
                try (SafetensorsFile f = Safetensors.open(file)) {
                    assertEquals(storage.fileType(DType.FLOAT32), f.info("0.weight").dtype());
                    assertEquals(SafetensorsDType.I64, f.info("1.num_batches_tracked").dtype());
                }
                assertTrue(ModelFiles.load(b, file).isClean());
                for (var e : a.stateDict().entrySet()) {
                    Tensor got = b.stateDict().get(e.getKey());
                    assertEquals(e.getValue().dtype(), got.dtype(), e.getKey());
                    if (got.dtype() != DType.FLOAT32) continue;
                    float[] src = e.getValue().toFloatArray(), back = got.toFloatArray();
                    for (int i = 0; i < src.length; i++) {
                        float want = storage == FloatStorage.F16 ? HalfFloats.halfToFloat(HalfFloats.floatToHalf(src[i]))
                                : HalfFloats.bfloat16ToFloat(HalfFloats.floatToBFloat16(src[i]));
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(back[i]), e.getKey());
                    }
                }
            }
        }
    }

    @Test void float64ModelsLoadFromFloat32Files() throws IOException {
        Path file = dir.resolve("m.safetensors");
        try (Module a = TestNets.net(Device.REF); Module b = TestNets.net(Device.REF)) {
            ModelFiles.save(a, file, null);
            b.to(DType.FLOAT64);
            assertTrue(ModelFiles.load(b, file).isClean());
            assertEquals(DType.FLOAT64, b.stateDict().get("0.weight").dtype());
            float[] w = a.stateDict().get("0.weight").toFloatArray();
            double[] got = b.stateDict().get("0.weight").toDoubleArray();
            for (int i = 0; i < w.length; i++) assertEquals(w[i], got[i]);
            ModelFiles.save(b, file, null);
            try (SafetensorsFile f = Safetensors.open(file)) {
                assertEquals(SafetensorsDType.F64, f.info("0.weight").dtype());
            }
        }
    }

    @Test void aMalformedFileFailsBeforeAnythingIsCopied() throws IOException {
        Path file = dir.resolve("m.safetensors");
        try (Module a = TestNets.net(Device.REF)) {
            ModelFiles.save(a, file, null);
            byte[] raw = java.nio.file.Files.readAllBytes(file);
            java.nio.file.Files.write(file, java.util.Arrays.copyOf(raw, raw.length - 4)); // truncated
            var before = TestNets.bits(a);
            var e = assertThrows(SafetensorsException.class, () -> ModelFiles.load(a, file, false));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            var after = TestNets.bits(a);
            for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k), k);
        }
    }
}
