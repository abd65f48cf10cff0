// A model's weights as one safetensors file, the way PyTorch users exchange them: save writes the state dict
// (parameters and persistent buffers, PyTorch's keys and order) with "format": "pt" metadata as Hugging Face's
// torch helpers write it; load reads a file — Lethe's or PyTorch's — into an existing model through
// Module.loadStateDict, so missing keys, unexpected keys and shape mismatches are all reported at once (strict)
// or returned (lenient). Each file tensor is made directly in the dtype and on the device of the model tensor it
// loads into (F16/BF16/F64 convert on the way); tensors the model lacks are made in their natural dtype.
package ai.lethe.io;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.nn.LoadResult;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

public final class ModelFiles {
    private ModelFiles() {}

    /** Saves {@code model}'s state dict to {@code file}, floats as they are, with {@code metadata} (may be null). */
    public static void save(Module model, Path file, Map<String, String> metadata) throws IOException {
        save(model, file, metadata, FloatStorage.KEEP);
    }

    /** Saves {@code model}'s state dict to {@code file} with float tensors stored as {@code storage}. */
    public static void save(Module model, Path file, Map<String, String> metadata, FloatStorage storage) throws IOException {
        Safetensors.write(file, model.stateDict(), withFormat(metadata), storage);
    }

    /** {@code metadata} with "format": "pt" first unless it names a format itself. */
    static Map<String, String> withFormat(Map<String, String> metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        if (metadata == null || !metadata.containsKey("format")) out.put("format", "pt");
        if (metadata != null) out.putAll(metadata);
        return out;
    }

    /** Loads {@code file} into {@code model}, strictly: any missing/unexpected key or shape mismatch throws. */
    public static LoadResult load(Module model, Path file) throws IOException { return load(model, file, true); }

    /**
     * Loads {@code file} into {@code model}. Strict: every missing key, unexpected key and shape mismatch is
     * listed in one IllegalArgumentException (naming the file) and nothing is copied. Lenient: the matching
     * tensors are copied and the problems returned. A malformed file fails before anything is copied.
     */
    public static LoadResult load(Module model, Path file, boolean strict) throws IOException {
        try (SafetensorsFile f = Safetensors.open(file)) {
            return load(model, f, strict);
        }
    }

    /** Loads the open file {@code f} into {@code model}; see {@link #load(Module, Path, boolean)}. */
    public static LoadResult load(Module model, SafetensorsFile f, boolean strict) {
        Map<String, Tensor> own = model.stateDict();
        Device fallback = own.isEmpty() ? Backends.defaultDevice() : own.values().iterator().next().device();
        try (Scope _ = Scope.open("ModelFiles.load")) {
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (String name : f.names()) {
                Tensor dst = own.get(name);
                state.put(name, dst == null ? f.tensor(name, fallback) : f.tensor(name, dst.device(), dst.dtype()));
            }
            try {
                return model.loadStateDict(state, strict);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.path() + ": " + e.getMessage(), e);
            }
        }
    }
}
