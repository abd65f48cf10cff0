// The exact bits of every parameter and buffer of a module (its state dict), to show that a model was left
// bit-identical — or which tensors, and how many elements of them, differ.
package ai.lethe.unlearn;

import ai.lethe.core.DType;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

public record StateSnapshot(Map<String, long[]> bits, Set<String> parameters) {
    public StateSnapshot {
        bits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(bits));
        parameters = Set.copyOf(parameters);
    }

    /** The bits of every state-dict entry of {@code model} (parameters and persistent buffers). */
    public static StateSnapshot of(Module model) {
        Map<String, long[]> bits = new LinkedHashMap<>();
        for (var e : model.stateDict().entrySet()) bits.put(e.getKey(), bitsOf(e.getValue()));
        return new StateSnapshot(bits, model.namedParameters().keySet());
    }

    static long[] bitsOf(Tensor t) {
        if (t.dtype() == DType.INT64) return t.toLongArray();
        if (t.dtype() == DType.FLOAT64) {
            double[] d = t.toDoubleArray();
            long[] out = new long[d.length];
            for (int i = 0; i < d.length; i++) out[i] = Double.doubleToRawLongBits(d[i]);
            return out;
        }
        if (t.dtype() != DType.FLOAT32)
            throw new IllegalArgumentException("StateSnapshot: no exact bit view of a " + t.dtype() + " tensor");
        float[] f = t.toFloatArray();
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) out[i] = Float.floatToRawIntBits(f[i]);
        return out;
    }

    /** "name: k of n elements differ" for every entry of {@code model} that is not bit-identical to this snapshot. */
    public List<String> differences(Module model) {
        List<String> out = new ArrayList<>();
        Map<String, Tensor> now = model.stateDict();
        if (!now.keySet().equals(bits.keySet())) out.add("state-dict names differ: " + now.keySet() + " vs " + bits.keySet());
        for (var e : bits.entrySet()) {
            Tensor t = now.get(e.getKey());
            if (t == null) continue;
            long[] b = bitsOf(t);
            long k = differing(e.getValue(), b);
            if (k > 0) out.add(e.getKey() + ": " + k + " of " + e.getValue().length + " elements differ");
        }
        return out;
    }

    /** The number of parameter elements of {@code model} whose bits differ from this snapshot. */
    public long changedParameterElements(Module model) {
        long n = 0;
        for (var e : model.namedParameters().entrySet()) {
            long[] before = bits.get(e.getKey());
            if (before == null) throw new IllegalArgumentException("StateSnapshot: no parameter '" + e.getKey() + "' in the snapshot");
            n += differing(before, bitsOf(e.getValue()));
        }
        return n;
    }

    private static long differing(long[] a, long[] b) {
        if (a.length != b.length) return Math.max(a.length, b.length);
        long k = 0;
        for (int i = 0; i < a.length; i++) if (a[i] != b[i]) k++;
        return k;
    }
}
