// A parameter-shaped map of non-negative importances (a Fisher diagonal), named like the model's parameters.
// It owns its tensors (closed with it) and can be saved to and loaded from safetensors, so the Fisher of the
// full training set is computed once and reused. Besides its kind and sample count it carries free-form tags
// (saved as metadata): what a user of the map records about how it was made, e.g. SSD's provenance of I_D.
package ai.lethe.fisher;

import ai.lethe.io.Safetensors;
import ai.lethe.io.SafetensorsFile;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class FisherMap implements AutoCloseable {
    /** Metadata keys of a saved map. */
    public static final String KIND = "lethe.fisher.kind", SAMPLES = "lethe.fisher.samples";

    private final Scope scope = Scope.detached("fisher");
    private final LinkedHashMap<String, Tensor> values = new LinkedHashMap<>();
    private final FisherKind kind;
    private final long samples;
    private final Map<String, String> tags;

    /** Takes ownership of {@code values} (kept in their order). */
    public FisherMap(Map<String, Tensor> values, FisherKind kind, long samples) { this(values, kind, samples, Map.of()); }

    /** As above with {@code tags} (keys other than KIND and SAMPLES). */
    public FisherMap(Map<String, Tensor> values, FisherKind kind, long samples, Map<String, String> tags) {
        if (tags.containsKey(KIND) || tags.containsKey(SAMPLES))
            throw new IllegalArgumentException("Fisher map tags must not use the keys " + KIND + " and " + SAMPLES);
        this.kind = kind;
        this.samples = samples;
        this.tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        values.forEach((k, v) -> this.values.put(k, scope.adopt(v)));
    }

    /** A map of this one's tensors (moved, not copied: this map is left empty and closed) with {@code tags} added. */
    public FisherMap withTags(Map<String, String> more) {
        LinkedHashMap<String, String> all = new LinkedHashMap<>(tags);
        all.putAll(more);
        FisherMap moved = new FisherMap(values, kind, samples, all);
        values.clear();
        close();
        return moved;
    }

    /** What the maker recorded about this map (saved and loaded with it). */
    public Map<String, String> tags() { return tags; }

    /** Zero importances shaped like every parameter of {@code model} that requires grad. */
    static LinkedHashMap<String, Tensor> zerosLike(Module model) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        model.namedParameters().forEach((k, p) -> out.put(k, Scope.unscoped(() -> Tensor.zerosLike(p))));
        return out;
    }

    public FisherKind kind() { return kind; }

    /** Number of samples the importances were computed from. */
    public long samples() { return samples; }

    public List<String> names() { return List.copyOf(values.keySet()); }

    public Map<String, Tensor> asMap() { return Collections.unmodifiableMap(values); }

    /** The importance of parameter {@code name}, or an IllegalArgumentException naming it. */
    public Tensor get(String name) {
        Tensor t = values.get(name);
        if (t == null) throw new IllegalArgumentException("Fisher map has no parameter '" + name + "'");
        return t;
    }

    /**
     * Checks that this map covers exactly the parameters of {@code model} with their shapes; lists every missing,
     * unexpected or mis-shaped name in one IllegalArgumentException.
     */
    public void checkMatches(Module model) {
        List<String> problems = new ArrayList<>();
        Map<String, Tensor> params = model.namedParameters();
        for (var e : params.entrySet()) {
            Tensor v = values.get(e.getKey());
            if (v == null) problems.add("missing '" + e.getKey() + "'");
            else if (!v.shape().equals(e.getValue().shape()))
                problems.add("'" + e.getKey() + "' has shape " + v.shape() + ", the parameter " + e.getValue().shape());
        }
        for (String k : values.keySet()) if (!params.containsKey(k)) problems.add("unexpected '" + k + "'");
        if (!problems.isEmpty())
            throw new IllegalArgumentException("Fisher map does not match the model: " + String.join("; ", problems));
    }

    /** Writes the map (float32) with its kind, sample count and tags as metadata. */
    public void save(Path file) throws IOException {
        LinkedHashMap<String, String> meta = new LinkedHashMap<>(tags);
        meta.put(KIND, kind.name());
        meta.put(SAMPLES, Long.toString(samples));
        Safetensors.write(file, values, meta);
    }

    /** Reads a map saved by {@link #save}, on {@code model}'s device, checking it matches the model. */
    public static FisherMap load(Path file, Module model) throws IOException {
        var device = model.parameters().getFirst().device();
        try (SafetensorsFile f = Safetensors.open(file); var _ = GradMode.noGrad()) {
            Map<String, String> meta = f.metadata();
            FisherKind kind;
            long samples;
            try {
                kind = FisherKind.valueOf(meta.getOrDefault(KIND, "?"));
                samples = Long.parseLong(meta.getOrDefault(SAMPLES, "?"));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " is not a saved Fisher map (metadata " + KIND + "/" + SAMPLES + " missing or invalid)");
            }
            LinkedHashMap<String, Tensor> values = new LinkedHashMap<>();
            for (String name : f.names()) values.put(name, Scope.unscoped(() -> f.tensor(name, device, model.parameters().getFirst().dtype())));
            LinkedHashMap<String, String> tags = new LinkedHashMap<>(meta);
            tags.remove(KIND);
            tags.remove(SAMPLES);
            FisherMap map = new FisherMap(values, kind, samples, tags);
            try {
                map.checkMatches(model);
            } catch (IllegalArgumentException e) {
                map.close();
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
            return map;
        }
    }

    @Override public void close() { scope.close(); }

    @Override public String toString() { return "FisherMap(" + kind + ", " + samples + " samples, " + values.size() + " tensors)"; }
}
