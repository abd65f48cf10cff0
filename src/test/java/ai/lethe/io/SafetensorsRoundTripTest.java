// Writing and reading back: float32, float64 and int64 tensors (special values, 0-d, empty, non-contiguous) come
// back bit for bit with names in order and metadata intact; F16/BF16 storage gives torch's roundings and is
// exact on values already representable; the file layout follows the format (header padded with spaces to a
// multiple of 8, consecutive little-endian data); writes replace files atomically and a failed write leaves the
// old file and no temporary file.
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsRoundTripTest {
    @TempDir Path dir;

    static List<Device> devices() { return TestBackends.devices(); }

    static final float[] SPECIAL_F = {0f, -0f, 1.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_NORMAL / 3, Float.MAX_VALUE, Float.intBitsToFloat(0x7FC00001), Float.intBitsToFloat(0xFF812345), 1e-40f};
    static final double[] SPECIAL_D = {0, -0.0, 0.1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.MIN_VALUE, Double.MAX_VALUE, Double.longBitsToDouble(0x7FF0000000000001L), -1e-310};
    static final long[] SPECIAL_L = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 53, 42};

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void float32Float64Int64ComeBackBitForBit(Device device) throws IOException {
        Path file = dir.resolve("rt.safetensors");
        try (Scope _ = Scope.open()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("z.floats", Tensor.fromArray(SPECIAL_F, device, 3, 4));
            in.put("a.doubles", doubles(SPECIAL_D, Device.REF, 2, 5)); // float64 lives on the ref backend
            in.put("m.longs", Tensor.fromLongs(SPECIAL_L, device, 6));
            in.put("scalar", Tensor.scalar(-2.25, DType.FLOAT32, device));
            in.put("empty", Tensor.zeros(Shape.of(0, 7), device));
            in.put("random", Tensor.randn(Shape.of(17, 33), new Generator(3), device));
            in.put("transposed", Tensor.randn(Shape.of(5, 3), new Generator(4), device).t()); // not contiguous
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("b", "two");
            meta.put("a", "ünïcødé ✓");
            meta.put("empty", "");
            Safetensors.write(file, in, meta);

            try (SafetensorsFile f = Safetensors.open(file)) {
                assertEquals(List.copyOf(in.keySet()), f.names());
                assertEquals(meta, f.metadata());
                assertEquals(List.copyOf(meta.keySet()), List.copyOf(f.metadata().keySet()));
                assertEquals(SafetensorsDType.F64, f.info("a.doubles").dtype());
                for (var e : in.entrySet()) {
                    Tensor back = f.tensor(e.getKey(), e.getValue().device());
                    assertEquals(e.getValue().shape(), back.shape(), e.getKey());
                    assertEquals(e.getValue().dtype(), back.dtype(), e.getKey());
                    switch (back.dtype()) {
                        case FLOAT32 -> IoTestSupport.assertBitsEqual(e.getValue().toFloatArray(), back.toFloatArray(), e.getKey());
                        case FLOAT64 -> IoTestSupport.assertBitsEqual(e.getValue().toDoubleArray(), back.toDoubleArray(), e.getKey());
                        case INT64 -> assertArrayEquals(e.getValue().toLongArray(), back.toLongArray(), e.getKey());
                    }
                }
                IoTestSupport.assertBitsEqual(SPECIAL_F, f.tensor("z.floats", device).toFloatArray(), "payload NaNs too");
            }
        }
    }

    static Tensor doubles(double[] v, Device device, long... dims) { return Tensor.fromArray(v, DType.FLOAT64, device, dims); }

    @Test void layoutFollowsTheFormat() throws IOException {
        Path file = dir.resolve("layout.safetensors");
        try (Scope _ = Scope.open()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("b", Tensor.fromArray(new float[] {1, 2, 3}, Device.REF, 3));
            in.put("a", Tensor.fromLongs(new long[] {-1, 258}, Device.REF, 2));
            in.put("c", Tensor.fromArray(new float[] {1, 2}, Device.REF, 2));
            Safetensors.write(file, in, Map.of("k", "v"), FloatStorage.F16);
        }
        byte[] raw = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong(0);
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"k\":\"v\"},\"b\":"), header);
        assertTrue(header.substring(header.strip().length()).chars().allMatch(c -> c == ' '), "padding is spaces");
        JsonNode h = JsonMapper.builder().build().readTree(header);
        assertEquals("F16", h.get("b").get("dtype").asText());
        assertEquals("[0,6]", h.get("b").get("data_offsets").toString());
        assertEquals("I64", h.get("a").get("dtype").asText());
        assertEquals("[6,22]", h.get("a").get("data_offsets").toString());
        assertEquals("[22,26]", h.get("c").get("data_offsets").toString());
        assertEquals(8 + n + 26, raw.length);
        int data = (int) (8 + n);
        assertEquals((short) 0x3C00, buf.getShort(data), "1.0 in float16, little-endian");
        assertEquals(-1L, buf.getLong(data + 6));
        assertEquals(258L, buf.getLong(data + 14));
    }

    @Test void float16AndBfloat16StorageMatchesTorchAndIsExactOnItsOwnValues() throws IOException {
        try (SafetensorsFile torch = Safetensors.open(IoTestSupport.fixture("conversions.safetensors")); Scope _ = Scope.open()) {
            Tensor src = torch.tensor("src", Device.REF);
            for (FloatStorage storage : List.of(FloatStorage.F16, FloatStorage.BF16)) {
                String code = storage == FloatStorage.F16 ? "f16" : "bf16";
                Path once = dir.resolve(code + "-once.safetensors"), twice = dir.resolve(code + "-twice.safetensors");
                Safetensors.write(once, Map.of("x", src), null, storage);
                try (SafetensorsFile f = Safetensors.open(once)) {
                    assertEquals(storage.fileType(DType.FLOAT32), f.info("x").dtype());
                    float[] got = f.tensor("x", Device.REF).toFloatArray();
                    float[] want = torch.tensor(code + "_f32", Device.REF).toFloatArray();
                    for (int i = 0; i < want.length; i++) if (Float.isNaN(want[i])) { assertTrue(Float.isNaN(got[i])); got[i] = want[i]; }
                    IoTestSupport.assertBitsEqual(want, got, code + " as torch rounds");
                    // values already representable survive another round trip unchanged, NaNs included
                    Tensor rounded = f.tensor("x", Device.REF);
                    Safetensors.write(twice, Map.of("x", rounded), null, storage);
                    try (SafetensorsFile g = Safetensors.open(twice)) {
                        assertEquals(f.data("x").byteSize(), g.data("x").byteSize());
                        assertEquals(-1, f.data("x").mismatch(g.data("x")), code + " bits identical after a second round trip");
                        IoTestSupport.assertBitsEqual(rounded.toFloatArray(), g.tensor("x", Device.REF).toFloatArray(), code);
                    }
                }
            }
        }
    }

    @Test void float64CanBeStoredAsFloat32() throws IOException {
        Path file = dir.resolve("f32.safetensors");
        try (Scope _ = Scope.open()) {
            Safetensors.write(file, Map.of("d", doubles(new double[] {0.1, 1e300, -0.0}, Device.REF, 3),
                    "i", Tensor.fromLongs(new long[] {5}, Device.REF, 1)), null, FloatStorage.F32);
            try (SafetensorsFile f = Safetensors.open(file)) {
                assertEquals(SafetensorsDType.F32, f.info("d").dtype());
                assertEquals(SafetensorsDType.I64, f.info("i").dtype(), "int64 is never narrowed");
                IoTestSupport.assertBitsEqual(new float[] {0.1f, Float.POSITIVE_INFINITY, -0f}, f.tensor("d", Device.REF).toFloatArray(), "d");
            }
        }
    }

    @Test void anEmptyMapWritesAValidFile() throws IOException {
        Path file = dir.resolve("nothing.safetensors");
        Safetensors.write(file, Map.of(), null);
        try (SafetensorsFile f = Safetensors.open(file)) {
            assertEquals(List.of(), f.names());
            assertEquals(Map.of(), f.metadata());
        }
        assertEquals(16, Files.size(file), "8 + \"{}\" padded to 8");
    }

    @Test void overwritingReplacesTheFileAndLeavesNoTemporaries() throws IOException {
        Path file = dir.resolve("w.safetensors");
        try (Scope _ = Scope.open()) {
            Safetensors.write(file, Map.of("a", Tensor.ones(Shape.of(1000), Device.REF)), null);
            Safetensors.write(file, Map.of("b", Tensor.zeros(Shape.of(2), Device.REF)), Map.of("v", "2"));
            try (SafetensorsFile f = Safetensors.open(file)) {
                assertEquals(List.of("b"), f.names());
                assertEquals("2", f.metadata().get("v"));
            }
        }
        assertEquals(List.of("w.safetensors"), listing(dir));
    }

    @Test void aFailedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path file = dir.resolve("keep.safetensors");
        try (Scope _ = Scope.open()) {
            Safetensors.write(file, Map.of("old", Tensor.ones(Shape.of(3), Device.REF)), null);
            byte[] before = Files.readAllBytes(file);
            Map<String, Tensor> next = Map.of("new", Tensor.zeros(Shape.of(3), Device.REF));
            IOException e = assertThrows(IOException.class, () -> SafetensorsWriter.write(file, next, null, FloatStorage.KEEP,
                    point -> { if (point.equals("before-move")) throw new IOException("simulated disk failure"); }));
            assertEquals("simulated disk failure", e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(file));
            assertEquals(List.of("keep.safetensors"), listing(dir));

            // a tensor closed before the write: refused before anything is created
            Tensor closed = Tensor.zeros(Shape.of(2), Device.REF);
            closed.close();
            var bad = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(file, Map.of("gone", closed), null));
            assertTrue(bad.getMessage().contains(file.toString()) && bad.getMessage().contains("'gone'")
                    && bad.getMessage().contains("closed"), bad.getMessage());
            var reserved = assertThrows(IllegalArgumentException.class,
                    () -> Safetensors.write(file, Map.of("__metadata__", Tensor.zeros(Shape.of(1), Device.REF)), null));
            assertTrue(reserved.getMessage().contains("reserved"), reserved.getMessage());
            assertArrayEquals(before, Files.readAllBytes(file));
            assertEquals(List.of("keep.safetensors"), listing(dir));
        }
    }

    @Test void readingIntoAClosedFileFailsClearly() throws IOException {
        Path file = dir.resolve("c.safetensors");
        try (Scope _ = Scope.open()) {
            Safetensors.write(file, Map.of("a", Tensor.ones(Shape.of(3), Device.REF)), null);
            SafetensorsFile f = Safetensors.open(file);
            Tensor kept = f.tensor("a", Device.REF);
            f.close();
            f.close();
            var e = assertThrows(IllegalStateException.class, () -> f.tensor("a", Device.REF));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertArrayEquals(new float[] {1, 1, 1}, kept.toFloatArray(), "tensors outlive the mapping");
            assertFalse(kept.isClosed());
        }
    }

    static List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
