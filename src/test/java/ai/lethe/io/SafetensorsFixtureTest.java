// Reading files Lethe did not write: the fixtures of tools/reference/io_fixtures.py (written by PyTorch through an
// independent minimal writer) hold every dtype Lethe reads, 0-d and empty tensors, NaN/±inf/subnormals/-0 and
// Unicode metadata; their values are also given as text (dtypes_expected.json), so the comparison does not rely
// on Lethe's reader. Also: torch's float16/bfloat16 roundings of tricky float32 and float64 values, which Lethe's
// narrowing must reproduce bit for bit.
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsFixtureTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static List<Device> devices() { return TestBackends.devices(); }

    private static JsonNode expected() throws IOException {
        return JsonMapper.builder().build().readTree(Files.readString(IoTestSupport.fixture("dtypes_expected.json")));
    }

    private static double parse(JsonNode v) {
        return switch (v.asText()) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v.asText());
        };
    }

    @Test void headerOrderMetadataAndEntriesMatchTheFile() throws IOException {
        JsonNode exp = expected();
        try (SafetensorsFile f = Safetensors.open(IoTestSupport.fixture("dtypes.safetensors"))) {
            List<String> names = new ArrayList<>();
            exp.properties().forEach(e -> { if (!e.getKey().equals("__metadata__")) names.add(e.getKey()); });
            assertEquals(names, f.names(), "names in the file's order");
            Map<String, String> meta = new LinkedHashMap<>();
            exp.get("__metadata__").properties().forEach(e -> meta.put(e.getKey(), e.getValue().asText()));
            assertEquals(meta, f.metadata());
            assertEquals("Lethe ü→✓ 😀", f.metadata().get("unicode"));
            for (String name : names) {
                TensorInfo info = f.info(name);
                assertEquals(exp.get(name).get("dtype").asText(), info.dtype().code(), name);
                long[] dims = new long[exp.get(name).get("shape").size()];
                for (int i = 0; i < dims.length; i++) dims[i] = exp.get(name).get("shape").get(i).asLong();
                assertEquals(Shape.of(dims), info.shape(), name);
                assertEquals(info.numel() * info.dtype().byteSize(), info.byteSize(), name);
            }
            assertEquals(Shape.scalar(), f.info("scalar_f32").shape());
            assertEquals(0, f.info("empty_f32").numel());
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void everyDtypeReadsToTheExpectedValues(Device device) throws IOException {
        JsonNode exp = expected();
        try (SafetensorsFile f = Safetensors.open(IoTestSupport.fixture("dtypes.safetensors")); Scope _ = Scope.open()) {
            Map<String, Tensor> all = f.readAll(device);
            for (String name : f.names()) {
                JsonNode values = exp.get(name).get("values");
                Tensor t = all.get(name);
                SafetensorsDType type = f.info(name).dtype();
                assertEquals(type.letheDType(), t.dtype(), name);
                assertEquals(device, t.device(), name);
                assertEquals(f.info(name).shape(), t.shape(), name);
                if (type.isFloatingPoint()) {
                    double[] want = new double[values.size()];
                    for (int i = 0; i < want.length; i++) want[i] = parse(values.get(i));
                    double[] got = t.dtype() == DType.FLOAT64 ? t.toDoubleArray() : widen(t.toFloatArray());
                    IoTestSupport.assertBitsEqual(canonicalNaN(want), canonicalNaN(got), name);
                    // and converted on reading: every float type widens exactly to float64
                    IoTestSupport.assertBitsEqual(canonicalNaN(want), canonicalNaN(f.tensor(name, device, DType.FLOAT64).toDoubleArray()), name + " as float64");
                } else {
                    long[] want = new long[values.size()];
                    for (int i = 0; i < want.length; i++) want[i] = values.get(i).asLong();
                    assertArrayEquals(want, t.toLongArray(), name);
                }
            }
            assertEquals(3.5, all.get("scalar_f32").item());
            assertEquals(42, all.get("scalar_i64").item());
        }
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** NaNs compared as NaN (payload bits are not part of the contract), everything else bit for bit. */
    private static double[] canonicalNaN(double[] d) {
        double[] c = d.clone();
        for (int i = 0; i < c.length; i++) if (Double.isNaN(c[i])) c[i] = Double.NaN;
        return c;
    }

    private static short[] shorts(MemorySegment s) {
        short[] out = new short[(int) (s.byteSize() / 2)];
        for (int i = 0; i < out.length; i++) out[i] = s.get(LE_SHORT, 2L * i);
        return out;
    }

    @Test void float16AndBfloat16NarrowingMatchesTorchBitForBit() throws IOException {
        try (SafetensorsFile f = Safetensors.open(IoTestSupport.fixture("conversions.safetensors")); Scope _ = Scope.open()) {
            float[] src = f.tensor("src", Device.REF).toFloatArray();
            short[] torchHalf = shorts(f.data("f16")), torchBf16 = shorts(f.data("bf16"));
            int nans = 0;
            for (int i = 0; i < src.length; i++) {
                short h = HalfFloats.floatToHalf(src[i]), b = HalfFloats.floatToBFloat16(src[i]);
                if (Float.isNaN(src[i])) {
                    nans++;
                    assertTrue(Float.isNaN(HalfFloats.halfToFloat(h)) && Float.isNaN(HalfFloats.halfToFloat(torchHalf[i])));
                    assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(b)) && Float.isNaN(HalfFloats.bfloat16ToFloat(torchBf16[i])));
                    continue;
                }
                final int k = i;
                assertEquals(torchHalf[i], h, () -> "float16 of " + src[k] + " (bits 0x" + Integer.toHexString(Float.floatToRawIntBits(src[k])) + ")");
                assertEquals(torchBf16[i], b, () -> "bfloat16 of " + src[k] + " (bits 0x" + Integer.toHexString(Float.floatToRawIntBits(src[k])) + ")");
            }
            assertEquals(2, nans, "the fixture holds NaN and -NaN");
        }
    }

    @Test void float64SourcesRoundThroughFloat32AsTorchDoes() throws IOException {
        try (SafetensorsFile f = Safetensors.open(IoTestSupport.fixture("conversions.safetensors")); Scope _ = Scope.open()) {
            double[] src = f.tensor("src64", Device.REF).toDoubleArray();
            short[] h = shorts(f.data("src64_f16")), b = shorts(f.data("src64_bf16"));
            float[] f32 = f.tensor("src64_f32", Device.REF).toFloatArray();
            float[] lethe32 = f.tensor("src64", Device.REF, DType.FLOAT32).toFloatArray();
            for (int i = 0; i < src.length; i++) {
                if (Double.isNaN(src[i])) continue;
                assertEquals(h[i], HalfFloats.floatToHalf((float) src[i]), "float16 of " + src[i]);
                assertEquals(b[i], HalfFloats.floatToBFloat16((float) src[i]), "bfloat16 of " + src[i]);
                assertEquals(Float.floatToRawIntBits(f32[i]), Float.floatToRawIntBits(lethe32[i]), "float32 of " + src[i]);
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void float16AndBfloat16WidenExactlyAsTorch(Device device) throws IOException {
        try (SafetensorsFile f = Safetensors.open(IoTestSupport.fixture("conversions.safetensors")); Scope _ = Scope.open()) {
            for (String[] pair : new String[][] {{"f16", "f16_f32"}, {"bf16", "bf16_f32"}}) {
                float[] lethe = f.tensor(pair[0], device).toFloatArray();
                float[] torch = f.tensor(pair[1], device).toFloatArray();
                for (int i = 0; i < torch.length; i++) if (Float.isNaN(torch[i])) { assertTrue(Float.isNaN(lethe[i])); lethe[i] = torch[i]; }
                IoTestSupport.assertBitsEqual(torch, lethe, pair[0] + " widened to float32");
            }
        }
    }

    @Test void integerTypesConvertOnRequest() throws IOException {
        try (SafetensorsFile f = Safetensors.open(IoTestSupport.fixture("dtypes.safetensors")); Scope _ = Scope.open()) {
            assertArrayEquals(new double[] {0, 255, 128, 1}, f.tensor("u8", Device.REF, DType.FLOAT64).toDoubleArray());
            assertArrayEquals(new float[] {1, 0, 1, 0, 0, 1}, f.tensor("bool", Device.REF, DType.FLOAT32).toFloatArray());
            long[] truncated = f.tensor("f32", Device.REF, DType.INT64).toLongArray(); // 1.5, -0, ..., 1e-45, ..., -2.5
            assertArrayEquals(new long[] {1, 0, 0, -2}, new long[] {truncated[0], truncated[1], truncated[5], truncated[7]});
            assertArrayEquals(new float[] {-2147483648f, 2147483647f, -7, 0}, f.tensor("i32", Device.REF, DType.FLOAT32).toFloatArray());
        }
    }
}
