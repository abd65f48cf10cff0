// Writes tensors and string metadata as a safetensors file: the 8-byte little-endian header length, the JSON
// header ("__metadata__" first, then the tensors in the map's order with consecutive data_offsets) padded with
// spaces to a multiple of 8 bytes, then the little-endian data in header order. Everything is validated before
// the first byte is written; the file is replaced atomically (AtomicFiles), so a failure never leaves a partial
// file. The bytes are written through the file channel, a tensor at a time in chunks of at most CHUNK_ELEMENTS
// read from its storage into one host buffer (Backend.read, then ElementCodec where the file type differs), not
// through a memory-mapped file: a full disk is then an IOException naming the file, where a write into a mapping
// faults and surfaces as an InternalError.
package ai.lethe.io;

import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import ai.lethe.backend.View;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

final class SafetensorsWriter {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SafetensorsWriter() {}

    /** One tensor as it will be written. */
    record Planned(String name, Tensor tensor, SafetensorsDType type, long begin, long end) {}

    static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, FloatStorage storage,
                      WriteHook hook) throws IOException {
        if (tensors == null) throw new IllegalArgumentException(file + ": tensors must not be null");
        if (storage == null) throw new IllegalArgumentException(file + ": storage must not be null");
        Map<String, String> meta = metadata == null ? Map.of() : metadata;
        List<Planned> plan = plan(file, tensors, storage);
        byte[] header = header(file, plan, meta);
        long dataLength = plan.isEmpty() ? 0 : plan.getLast().end();
        long total = Math.addExact(8 + header.length, dataLength);
        AtomicFiles.replaceFile(file, ch -> fill(ch, total, header, plan), hook);
    }

    static List<Planned> plan(Path file, Map<String, Tensor> tensors, FloatStorage storage) {
        List<Planned> plan = new ArrayList<>();
        long offset = 0;
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null) throw new IllegalArgumentException(file + ": a tensor name is null");
            if (name.equals(HeaderParser.METADATA_KEY))
                throw new IllegalArgumentException(file + ": '" + name + "' is reserved for the metadata and cannot name a tensor");
            if (t == null) throw new IllegalArgumentException(file + ": tensor '" + name + "' is null");
            if (t.isClosed()) throw new IllegalArgumentException(file + ": tensor '" + name + "' (shape " + t.shapeUnchecked() + ") was closed");
            SafetensorsDType type = storage.fileType(t.dtype());
            long bytes = Math.multiplyExact(t.numel(), (long) type.byteSize());
            plan.add(new Planned(name, t, type, offset, offset + bytes));
            offset = Math.addExact(offset, bytes);
        }
        return plan;
    }

    /** The header's JSON bytes, padded with spaces to a multiple of 8. */
    static byte[] header(Path file, List<Planned> plan, Map<String, String> metadata) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(HeaderParser.METADATA_KEY);
            for (var e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null)
                    throw new IllegalArgumentException(file + ": metadata keys and values must not be null (key " + e.getKey() + ")");
                meta.put(e.getKey(), e.getValue());
            }
        }
        for (Planned p : plan) {
            ObjectNode entry = root.putObject(p.name());
            entry.put("dtype", p.type().code());
            var shape = entry.putArray("shape");
            for (long d : p.tensor().shape().dims()) shape.add(d);
            entry.putArray("data_offsets").add(p.begin()).add(p.end());
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": cannot write the header: " + e.getOriginalMessage(), e);
        }
        if (json.length > HeaderParser.MAX_HEADER_BYTES)
            throw new IllegalArgumentException(file + ": the header would be " + json.length + " bytes, over the format's limit of "
                    + HeaderParser.MAX_HEADER_BYTES);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    /** Elements per chunk a tensor is copied to the file in (a 4 MiB-8 MiB host buffer per write). */
    static final long CHUNK_ELEMENTS = 1L << 20;

    private static void fill(FileChannel ch, long total, byte[] header, List<Planned> plan) throws IOException {
        writeAll(ch, total, header, plan);
    }

    /** The file's bytes, in order, into {@code out} (a seam for tests: a channel that fails like a full disk). */
    static void writeAll(WritableByteChannel out, long total, byte[] header, List<Planned> plan) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(header.length).put(header).flip();
        long written = drain(out, head);
        long largest = plan.stream().mapToLong(p -> Math.min(p.tensor().numel(), CHUNK_ELEMENTS) * 8).max().orElse(0);
        try (Arena arena = Arena.ofConfined(); Scope _ = Scope.open("Safetensors.write")) {
            MemorySegment host = arena.allocate(Math.max(largest, 8), 8);
            MemorySegment encoded = arena.allocate(Math.max(largest, 8), 8);
            for (Planned p : plan) {
                Tensor c = p.tensor().isContiguous() ? p.tensor() : p.tensor().contiguousCopy();
                View all = c.kernelView();
                long n = c.numel(), elementBytes = c.dtype().byteSize(), fileBytes = p.type().byteSize();
                for (long start = 0; start < n; start += CHUNK_ELEMENTS) {
                    long count = Math.min(CHUNK_ELEMENTS, n - start);
                    View chunk = new View(all.storage(), all.dtype(), all.offset() + start, new long[] {count}, new long[] {1});
                    MemorySegment raw = host.asSlice(0, count * elementBytes);
                    c.backend().read(chunk, raw);
                    MemorySegment bytes = raw;
                    if (!ElementCodec.isRawCopy(p.type(), c.dtype())) {
                        bytes = encoded.asSlice(0, count * fileBytes);
                        ElementCodec.encode(raw, c.dtype(), bytes, p.type(), count);
                    }
                    written += drain(out, bytes.asByteBuffer());
                }
            }
        }
        if (written != total) throw new IllegalStateException("safetensors: wrote " + written + " bytes, planned " + total);
    }

    /** Writes all of {@code buf}; returns its length. */
    private static long drain(WritableByteChannel out, ByteBuffer buf) throws IOException {
        long n = buf.remaining();
        while (buf.hasRemaining()) out.write(buf);
        return n;
    }
}
