// Test-only reader of the safetensors fixtures written by tools/reference/model_fixtures.py (through
// safetensors_min.py): 8-byte little-endian header length, JSON header {name: {dtype, shape, data_offsets}},
// "__metadata__", raw little-endian data. Handles F32 and I64 only. Stands in for ai.lethe.io's safetensors
// reader until that package is on this branch; swap it for that reader then.
package ai.lethe.models;

import ai.lethe.tensor.Device;
import ai.lethe.tensor.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

record FixtureReader(Map<String, Entry> tensors, Map<String, String> metadata) {
    /** One stored tensor, as it is in the file. */
    record Entry(String dtype, long[] shape, float[] floats, long[] longs) {
        Tensor toTensor(Device device) {
            return dtype.equals("I64") ? Tensor.fromLongs(longs, device, shape) : Tensor.fromArray(floats, device, shape);
        }

        double[] values() {
            double[] out = new double[dtype.equals("I64") ? longs.length : floats.length];
            for (int i = 0; i < out.length; i++) out[i] = dtype.equals("I64") ? longs[i] : floats[i];
            return out;
        }
    }

    static FixtureReader read(String resource) {
        try (InputStream in = FixtureReader.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test resource " + resource + " (run tools/reference/model_fixtures.py)");
            ByteBuffer buf = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            int headerLength = Math.toIntExact(buf.getLong(0));
            JsonNode header = new ObjectMapper().readTree(new String(buf.array(), 8, headerLength, java.nio.charset.StandardCharsets.UTF_8));
            int base = 8 + headerLength;
            Map<String, Entry> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (var it = header.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().properties().forEach(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode h = e.getValue();
                long[] shape = new long[h.get("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = h.get("shape").get(i).asLong();
                int begin = base + h.get("data_offsets").get(0).asInt(), end = base + h.get("data_offsets").get(1).asInt();
                String dtype = h.get("dtype").asText();
                ByteBuffer data = buf.slice(begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
                switch (dtype) {
                    case "F32" -> {
                        float[] f = new float[(end - begin) / 4];
                        data.asFloatBuffer().get(f);
                        tensors.put(e.getKey(), new Entry(dtype, shape, f, null));
                    }
                    case "I64" -> {
                        long[] l = new long[(end - begin) / 8];
                        data.asLongBuffer().get(l);
                        tensors.put(e.getKey(), new Entry(dtype, shape, null, l));
                    }
                    default -> throw new IllegalStateException(resource + ": unsupported dtype " + dtype + " of " + e.getKey());
                }
            }
            return new FixtureReader(tensors, meta);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Entry get(String name) {
        Entry e = tensors.get(name);
        if (e == null) throw new IllegalStateException("fixture has no tensor '" + name + "'");
        return e;
    }

    /** The entries under "prefix" with the prefix removed, in file order. */
    Map<String, Entry> withPrefix(String prefix) {
        Map<String, Entry> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v); });
        return out;
    }

    /** The entries under "prefix" as tensors on {@code device}, in file order. */
    Map<String, Tensor> tensors(String prefix, Device device) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        withPrefix(prefix).forEach((k, v) -> out.put(k, v.toTensor(device)));
        return out;
    }
}
