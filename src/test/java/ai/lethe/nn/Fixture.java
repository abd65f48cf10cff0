// Reader of the text fixtures written by tools/reference/nn_fixtures.py: "meta key value" lines and tensors
// as "tensor <name> <float32|int64> <d0,d1,...|scalar>" followed by one line of values.
package ai.lethe.nn;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

record Fixture(String name, Map<String, String> meta, Map<String, Entry> tensors) {
    /** One stored tensor: values as doubles (exact for float32 and small int64). */
    record Entry(String name, DType dtype, Shape shape, double[] values) {
        Tensor toTensor(Device device) { return Tensor.fromArray(values, dtype, device, shape.dims()); }
    }

    static List<String> lines(String resource) {
        try (InputStream in = Fixture.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test resource " + resource + " (run tools/reference/nn_fixtures.py)");
            List<String> out = new ArrayList<>();
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) if (!l.startsWith("#")) out.add(l);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String resource) {
        try (InputStream in = Fixture.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test resource " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Fixture layer(String name) {
        List<String> lines = lines("/nn/layers/" + name + ".txt");
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, Entry> tensors = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] head = lines.get(i).trim().split(" ");
            if (head[0].equals("meta")) {
                meta.put(head[1], head[2]);
            } else if (head[0].equals("tensor")) {
                DType dtype = head[2].equals("int64") ? DType.INT64 : DType.FLOAT32;
                Shape shape = parseShape(head[3]);
                String body = lines.get(++i).trim();
                String[] parts = body.isEmpty() ? new String[0] : body.split(" ");
                double[] v = new double[parts.length];
                for (int j = 0; j < v.length; j++) v[j] = Double.parseDouble(parts[j]);
                if (v.length != shape.numel()) throw new IllegalStateException(name + ": tensor " + head[1] + " has " + v.length + " values for " + shape);
                tensors.put(head[1], new Entry(head[1], dtype, shape, v));
            }
        }
        return new Fixture(name, meta, tensors);
    }

    static Shape parseShape(String text) {
        if (text.equals("scalar")) return Shape.scalar();
        String[] p = text.split(",");
        long[] d = new long[p.length];
        for (int i = 0; i < p.length; i++) d[i] = Long.parseLong(p[i]);
        return Shape.of(d);
    }

    Entry get(String key) {
        Entry e = tensors.get(key);
        if (e == null) throw new IllegalStateException(name + ": fixture has no tensor '" + key + "'");
        return e;
    }

    /** The tensors under "prefix." with the prefix removed, in file order. */
    Map<String, Entry> withPrefix(String prefix) {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue());
        return out;
    }
}
