// The safetensors fixtures written by tools/reference/model_fixtures.py, read with ai.lethe.io into plain Java
// arrays (float32 and int64 entries) so tests can compare them with any backend's tensors.
package ai.lethe.models;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.io.Safetensors;
import ai.lethe.io.SafetensorsFile;
import ai.lethe.io.TensorInfo;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
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
        var url = FixtureReader.class.getResource(resource);
        if (url == null) throw new IllegalStateException("missing test resource " + resource + " (run tools/reference/model_fixtures.py)");
        try (SafetensorsFile file = Safetensors.open(Path.of(url.toURI()));
             Scope _ = Scope.open("fixture")) {
            Map<String, Entry> tensors = new LinkedHashMap<>();
            for (TensorInfo info : file.infos()) {
                Tensor t = file.tensor(info.name(), Device.REF);
                tensors.put(info.name(), t.dtype() == DType.INT64
                        ? new Entry("I64", info.shape().dims(), null, t.toLongArray())
                        : new Entry("F32", info.shape().dims(), t.toFloatArray(), null));
            }
            return new FixtureReader(tensors, new LinkedHashMap<>(file.metadata()));
        } catch (IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot read test resource " + resource + ": " + e.getMessage(), e);
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
