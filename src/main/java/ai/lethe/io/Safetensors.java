// Entry points for safetensors files (https://github.com/huggingface/safetensors), the format PyTorch users
// exchange weights in: open (memory-map and validate) and read, and write (atomically, optionally as F16/BF16).
//
//   try (SafetensorsFile f = Safetensors.open(path)) { Tensor w = f.tensor("fc.weight", Device.CPU); ... }
//   Safetensors.write(path, Map.of("w", w), Map.of("format", "pt"));
//
// Errors: a malformed file is a SafetensorsException (an IOException) naming the file, the tensor and the
// problem, raised by open() before any tensor is made; other I/O failures are ordinary IOExceptions; bad
// arguments (a closed tensor, an unknown name) are IllegalArgumentExceptions naming the file.
package ai.lethe.io;

import ai.lethe.core.Device;
import ai.lethe.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

public final class Safetensors {
    private Safetensors() {}

    /** Memory-maps {@code path} and validates its whole header; close the result to unmap it. */
    public static SafetensorsFile open(Path path) throws IOException { return SafetensorsFile.open(path); }

    /** Every tensor of {@code path} on {@code device} in its natural dtype, in header order (the file is closed). */
    public static LinkedHashMap<String, Tensor> read(Path path, Device device) throws IOException {
        try (SafetensorsFile f = open(path)) {
            return f.readAll(device);
        }
    }

    /** Writes {@code tensors} (in the map's order) and {@code metadata} to {@code path}, floats as they are. */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(path, tensors, metadata, FloatStorage.KEEP);
    }

    /**
     * Writes {@code tensors} (in the map's order) and {@code metadata} (may be null or empty) to {@code path},
     * float tensors stored as {@code storage} says. The file is replaced atomically: written to a temporary file
     * in the same folder, forced to disk, then renamed over {@code path}; on failure {@code path} is untouched.
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata, FloatStorage storage)
            throws IOException {
        SafetensorsWriter.write(path, tensors, metadata, storage, WriteHook.NONE);
    }
}
