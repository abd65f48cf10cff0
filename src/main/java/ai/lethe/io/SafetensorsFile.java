// An open safetensors file: memory-mapped read-only into a shared Arena that close() releases, with its header
// validated in full before the constructor returns (see HeaderParser), so every later read is of well-formed
// data. Tensors are made on request: F32 -> float32, F64 -> float64 and I64 -> int64 are copied straight from the
// mapping into the tensor's storage (Backend.write, one copy); F16/BF16 widen exactly to float32, the other
// integer types and BOOL to int64, through a temporary host buffer. Any dtype can also be asked for explicitly.
//
// The mapping is valid until close(); tensors made from it own their storage and outlive it. Like any mapped
// file, it must not be truncated by another process while open (the JVM reports that as an InternalError).
// Thread-safe for reads; close() must not race with them.
package ai.lethe.io;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment content;
    private final Header header;
    private final Map<String, TensorInfo> byName = new LinkedHashMap<>();
    private volatile boolean closed;

    private SafetensorsFile(Path path, Arena arena, MemorySegment content, Header header) {
        this.path = path;
        this.arena = arena;
        this.content = content;
        this.header = header;
        for (TensorInfo t : header.tensors()) byName.put(t.name(), t);
    }

    /** Maps and validates {@code path}; see {@link Safetensors#open(Path)}. */
    static SafetensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment content;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                content = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena).asReadOnly();
            }
            Header header = HeaderParser.parse(path, content);
            return new SafetensorsFile(path, arena, content, header);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public Path path() { return path; }

    /** Tensor names in the order of the file's header. */
    public List<String> names() { return List.copyOf(byName.keySet()); }

    /** Number of tensors. */
    public int size() { return byName.size(); }

    public boolean contains(String name) { return byName.containsKey(name); }

    /** The "__metadata__" map (empty when the file has none), in the header's order. */
    public Map<String, String> metadata() { return header.metadata(); }

    /** Every entry, in header order. */
    public List<TensorInfo> infos() { return header.tensors(); }

    /** The entry of tensor {@code name}; an IllegalArgumentException naming the file if there is none. */
    public TensorInfo info(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) throw new IllegalArgumentException(path + ": no tensor named '" + name + "' (the file has "
                + byName.size() + (byName.size() == 1 ? " tensor" : " tensors") + preview() + ")");
        return t;
    }

    private String preview() {
        if (byName.isEmpty()) return "";
        List<String> names = names();
        return ": " + String.join(", ", names.subList(0, Math.min(8, names.size()))) + (names.size() > 8 ? ", ..." : "");
    }

    /** Byte offset of the data section in the file (8 + header length). */
    public long dataStart() { return header.dataStart(); }

    /** The raw little-endian bytes of tensor {@code name} (read-only; valid until this file is closed). */
    public MemorySegment data(String name) {
        TensorInfo t = info(name);
        checkOpen();
        return content.asSlice(header.dataStart() + t.begin(), t.byteSize());
    }

    /** Tensor {@code name} on {@code device} in its natural Lethe dtype ({@link SafetensorsDType#letheDType()}). */
    public Tensor tensor(String name, Device device) { return tensor(name, device, info(name).dtype().letheDType()); }

    /**
     * Tensor {@code name} on {@code device} converted to {@code dtype}: floats widen exactly or round to nearest,
     * integers convert to floats by rounding, floats to int64 by truncation toward zero. The tensor belongs to
     * the current scope (or to the caller outside any scope).
     */
    public Tensor tensor(String name, Device device, DType dtype) {
        TensorInfo t = info(name);
        MemorySegment src = data(name);
        Tensor out = Tensor.empty(t.shape(), dtype, device);
        try {
            if (ElementCodec.isRawCopy(t.dtype(), dtype)) {
                out.backend().write(src, out.kernelView());
            } else {
                try (Arena tmp = Arena.ofConfined()) {
                    MemorySegment host = tmp.allocate(t.numel() * dtype.byteSize(), 8);
                    ElementCodec.decode(src, t.dtype(), host, dtype, t.numel());
                    out.backend().write(host, out.kernelView());
                }
            }
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    /** Every tensor on {@code device} in its natural dtype, in header order. */
    public LinkedHashMap<String, Tensor> readAll(Device device) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        try {
            for (String name : byName.keySet()) out.put(name, tensor(name, device));
            return out;
        } catch (RuntimeException | Error e) {
            out.values().forEach(Tensor::close);
            throw e;
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(path + ": the safetensors file was closed");
    }

    public boolean isClosed() { return closed; }

    /** Unmaps the file. Idempotent. Tensors made from it stay valid. */
    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }

    @Override public String toString() { return "SafetensorsFile(" + path + ", " + byName.size() + " tensors)"; }
}
