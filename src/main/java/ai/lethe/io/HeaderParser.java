// Reads and validates the header of a safetensors file before any tensor is made. The rules are those of the
// reference Rust implementation (huggingface/safetensors): an 8-byte little-endian header length that fits in
// the file (and at most 100 MB); a header of strict UTF-8 holding one JSON object (duplicate keys, trailing
// garbage and non-JSON rejected; trailing spaces allowed); optional "__metadata__", a map of strings to strings
// (or null); every other key a tensor {"dtype", "shape", "data_offsets"} with a known dtype, non-negative
// integer dimensions, integer offsets begin <= end, end - begin = numel · dtype size, inside the data section;
// and the tensors, sorted by offset, tiling the data section exactly (no overlap, no hole, no trailing bytes).
// Each violation is a SafetensorsException naming the file, the tensor (if any) and the problem.
package ai.lethe.io;

import ai.lethe.core.Shape;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

final class HeaderParser {
    /** The largest header the reference implementation accepts (MAX_HEADER_SIZE). */
    static final long MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA_KEY = "__metadata__";
    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength((int) MAX_HEADER_BYTES).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path file;

    private HeaderParser(Path file) { this.file = file; }

    /** Validates the header of {@code file}, whose whole content is {@code content}. */
    static Header parse(Path file, MemorySegment content) throws SafetensorsException {
        return new HeaderParser(file).parse(content);
    }

    private Header parse(MemorySegment content) throws SafetensorsException {
        long size = content.byteSize();
        if (size < 8)
            throw bad("the file is " + size + " bytes, shorter than the 8-byte header length that starts every safetensors file");
        long n = content.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 0 || n > size - 8)
            throw bad("header length " + Long.toUnsignedString(n) + " is larger than the file allows (" + (size - 8)
                    + " bytes after the 8-byte length): the file is truncated or not a safetensors file");
        if (n > MAX_HEADER_BYTES) throw bad("header length " + n + " exceeds the format's limit of " + MAX_HEADER_BYTES + " bytes");
        String text = utf8(content.asSlice(8, n));
        JsonNode root = json(text);
        long dataStart = 8 + n, dataLength = size - dataStart;

        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>();
        for (var e : root.properties()) {
            if (e.getKey().equals(METADATA_KEY)) metadata = metadata(e.getValue());
            else tensors.add(entry(e.getKey(), e.getValue(), dataLength));
        }
        checkTiling(tensors, dataLength);
        return new Header(List.copyOf(tensors), metadata, dataStart, dataLength);
    }

    private String utf8(MemorySegment bytes) throws SafetensorsException {
        ByteBuffer buf = bytes.asByteBuffer();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(buf).toString();
        } catch (MalformedInputException e) {
            throw bad("the header is not valid UTF-8 (malformed bytes at header byte " + buf.position() + ")");
        } catch (CharacterCodingException e) {
            throw bad("the header is not valid UTF-8 (" + e + ")");
        }
    }

    private JsonNode json(String text) throws SafetensorsException {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw bad("the header is not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (root == null || root.isMissingNode()) throw bad("the header is empty; expected a JSON object");
        if (!root.isObject()) throw bad("the header is a JSON " + kind(root) + ", not an object");
        return root;
    }

    private Map<String, String> metadata(JsonNode node) throws SafetensorsException {
        if (node.isNull()) return Map.of();
        if (!node.isObject()) throw bad("\"" + METADATA_KEY + "\" is a JSON " + kind(node) + "; expected an object of strings to strings");
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : node.properties()) {
            if (!e.getValue().isTextual())
                throw bad("\"" + METADATA_KEY + "\" value of '" + e.getKey() + "' is a JSON " + kind(e.getValue())
                        + "; metadata must map strings to strings");
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private TensorInfo entry(String name, JsonNode node, long dataLength) throws SafetensorsException {
        if (!node.isObject()) throw bad(name, "the entry is a JSON " + kind(node) + "; expected {\"dtype\", \"shape\", \"data_offsets\"}");
        for (var field : node.properties()) {
            String f = field.getKey();
            if (!ENTRY_FIELDS.contains(f)) throw bad(name, "unknown field '" + f + "' (an entry has dtype, shape and data_offsets)");
        }
        for (String f : List.of("dtype", "shape", "data_offsets"))
            if (!node.has(f)) throw bad(name, "the entry has no '" + f + "'");

        JsonNode d = node.get("dtype");
        if (!d.isTextual()) throw bad(name, "dtype is a JSON " + kind(d) + ", not a string");
        SafetensorsDType dtype = SafetensorsDType.fromCode(d.textValue()).orElseThrow(() -> bad(name,
                "unknown or unsupported dtype '" + d.textValue() + "' (Lethe reads " + SafetensorsDType.knownCodes() + ")"));

        long[] dims = integers(name, "shape", node.get("shape"));
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            numel = multiply(name, numel, dims[i], "shape " + text(node.get("shape")) + " has more elements than a file can hold");
        }
        long needed = multiply(name, numel, dtype.byteSize(), "shape " + text(node.get("shape")) + " needs more bytes than a file can hold");

        long[] offsets = integers(name, "data_offsets", node.get("data_offsets"));
        if (offsets.length != 2) throw bad(name, "data_offsets " + text(node.get("data_offsets")) + " must be exactly [begin, end]");
        long begin = offsets[0], end = offsets[1];
        if (begin > end) throw bad(name, "data_offsets [" + begin + ", " + end + "]: begin is after end");
        if (end - begin != needed)
            throw bad(name, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes, but shape "
                    + text(node.get("shape")) + " of " + dtype + " needs " + numel + " × " + dtype.byteSize() + " = " + needed);
        if (end > dataLength)
            throw bad(name, "data_offsets [" + begin + ", " + end + "] reach past the end of the data section (" + dataLength
                    + " bytes): the file is truncated or the offsets are wrong");
        return new TensorInfo(name, dtype, Shape.of(dims), begin, end);
    }

    /** A JSON array of non-negative integers that fit in a long. */
    private long[] integers(String name, String field, JsonNode node) throws SafetensorsException {
        if (!node.isArray()) throw bad(name, field + " is a JSON " + kind(node) + ", not an array of integers");
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber())
                throw bad(name, field + " " + text(node) + ": element " + i + " (" + text(v) + ") is not an integer");
            if (!v.canConvertToLong() || v.longValue() < 0)
                throw bad(name, field + " " + text(node) + ": element " + i + " (" + text(v) + ") is "
                        + (v.canConvertToLong() ? "negative" : "out of range"));
            out[i] = v.longValue();
        }
        return out;
    }

    private long multiply(String name, long a, long b, String problem) throws SafetensorsException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw bad(name, problem);
        }
    }

    /**
     * Sorted by (begin, end), the tensors must follow one another from byte 0 to the end of the data section.
     * (Names are unique: the JSON parser rejects duplicate keys.)
     */
    private void checkTiling(List<TensorInfo> tensors, long dataLength) throws SafetensorsException {
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < expected)
                throw bad(t.name(), "data_offsets [" + t.begin() + ", " + t.end() + "] overlap tensor '" + previous.name()
                        + "' at [" + previous.begin() + ", " + previous.end() + "]");
            if (t.begin() > expected)
                throw bad(t.name(), "data_offsets [" + t.begin() + ", " + t.end() + "] leave a hole: bytes [" + expected + ", "
                        + t.begin() + ") of the data section belong to no tensor"
                        + (previous == null ? "" : " (the previous tensor, '" + previous.name() + "', ends at " + expected + ")"));
            expected = t.end();
            previous = t;
        }
        if (expected != dataLength)
            throw bad("the data section is " + dataLength + " bytes but the tensors cover only [0, " + expected + "): "
                    + (dataLength - expected) + " trailing bytes belong to no tensor");
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "array";
            case OBJECT, POJO -> "object";
            case STRING -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            case NULL -> "null";
            case BINARY, MISSING -> "value";
        };
    }

    private static String text(JsonNode n) { return n.toString(); }

    private SafetensorsException bad(String problem) { return new SafetensorsException(file, problem); }

    private SafetensorsException bad(String tensor, String problem) { return new SafetensorsException(file, tensor, problem); }
}
