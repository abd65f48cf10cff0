// An optimizer's state as one safetensors file: the state tensors under PyTorch's state_dict names
// ("state.<i>.momentum_buffer", "state.<i>.exp_avg", ...), and in the metadata the optimizer's name
// ("lethe.optimizer.name": "SGD", "AdamW") and every scalar — hyper-parameters per group, step counts,
// parameter indices — as one JSON object ("lethe.optimizer", see ScalarJson). Loading checks the name, makes
// each state tensor on its parameter's device in its parameter's dtype, and hands the whole state to
// Optimizer.loadState, which validates everything (keys, indices, shapes, completeness) before changing anything.
package ai.lethe.io;

import ai.lethe.core.Device;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.OptimizerState;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class OptimizerFiles {
    /** Metadata key of the scalars (a JSON object). */
    public static final String SCALARS_KEY = "lethe.optimizer";
    /** Metadata key of the optimizer's name. */
    public static final String NAME_KEY = "lethe.optimizer.name";

    private OptimizerFiles() {}

    /** Saves {@code optimizer}'s state to {@code file}, with {@code metadata} (may be null) added. */
    public static void save(Optimizer<?> optimizer, Path file, Map<String, String> metadata) throws IOException {
        save(optimizer, file, metadata, WriteHook.NONE);
    }

    static void save(Optimizer<?> optimizer, Path file, Map<String, String> metadata, WriteHook hook) throws IOException {
        try (Scope _ = Scope.open("OptimizerFiles.save"); OptimizerState state = optimizer.state()) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(NAME_KEY, optimizer.name());
            meta.put(SCALARS_KEY, ScalarJson.write(state.scalars()));
            if (metadata != null)
                metadata.forEach((k, v) -> {
                    if (k.equals(NAME_KEY) || k.equals(SCALARS_KEY))
                        throw new IllegalArgumentException(file + ": metadata key '" + k + "' is reserved for the optimizer state");
                    meta.put(k, v);
                });
            SafetensorsWriter.write(file, state.tensors(), meta, FloatStorage.KEEP, hook);
        }
    }

    /** Loads {@code file} into {@code optimizer}; nothing changes if the file does not fit it. */
    public static void load(Optimizer<?> optimizer, Path file) throws IOException {
        try (SafetensorsFile f = Safetensors.open(file)) {
            load(optimizer, f);
        }
    }

    /** Loads the open file {@code f} into {@code optimizer}; see {@link #load(Optimizer, Path)}. */
    public static void load(Optimizer<?> optimizer, SafetensorsFile f) throws SafetensorsException {
        Map<String, String> meta = f.metadata();
        String name = meta.get(NAME_KEY);
        String scalars = meta.get(SCALARS_KEY);
        if (name == null || scalars == null)
            throw new SafetensorsException(f.path(), "not a Lethe optimizer file: the metadata has no '"
                    + (name == null ? NAME_KEY : SCALARS_KEY) + "'");
        if (!name.equals(optimizer.name()))
            throw new IllegalArgumentException(f.path() + ": the file holds the state of " + name + ", not of " + optimizer.name());
        Map<String, Double> values = ScalarJson.read(scalars, f.path(), SCALARS_KEY);
        List<Tensor> params = optimizer.parameters();
        try (Scope _ = Scope.open("OptimizerFiles.load")) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String key : f.names()) {
                Tensor p = parameterOf(key, params);
                Device device = (p == null ? params.getFirst() : p).device();
                tensors.put(key, p == null ? f.tensor(key, device) : f.tensor(key, device, p.dtype()));
            }
            try {
                optimizer.loadState(new OptimizerState(tensors, values));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.path() + ": " + e.getMessage(), e);
            }
        }
    }

    /** The parameter a "state.<i>.<name>" key belongs to, or null when the key does not name one. */
    private static Tensor parameterOf(String key, List<Tensor> params) {
        String[] parts = key.split("\\.", 3);
        if (parts.length != 3 || !parts[0].equals("state")) return null;
        try {
            int i = Integer.parseInt(parts[1]);
            return i >= 0 && i < params.size() ? params.get(i) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
