// Reading and writing the data layer's small JSON records (poison.json, split.json): the file read as UTF-8 with
// errors that name the file and what it should have been, the text parsed into an object, the format checked, and
// typed fields whose absence or wrong type is an IllegalArgumentException naming the key. Writing goes through
// ai.lethe.core.AtomicFile (a temporary sibling forced to disk, then renamed over the target).
package ai.lethe.data;

import ai.lethe.core.AtomicFile;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;

public final class JsonRecords {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JsonRecords() {}

    /** The shared mapper (thread-safe once configured). */
    public static JsonMapper mapper() { return JSON; }

    /** {@code node} as pretty-printed JSON text with a final newline. */
    public static String text(JsonNode node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code text} to {@code file} atomically, as UTF-8. */
    public static void write(Path file, String text) throws IOException {
        AtomicFile.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads {@code file} and parses it with {@code parse}; {@code what} names the kind of file in errors ("split
     * file", "poison record"): a missing file is a NoSuchFileException, text that is not UTF-8 or that {@code parse}
     * rejects (IllegalArgumentException) an IOException naming the file and the problem.
     */
    public static <T> T read(Path file, String what, Function<String, T> parse) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, what + " does not exist");
        } catch (CharacterCodingException e) {
            throw new IOException(what + " " + file + " is not UTF-8 text (not one written by Lethe)", e);
        }
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code json} parsed as an object whose "format" is {@code format}; an IllegalArgumentException otherwise. */
    public static JsonNode object(String json, String format) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("not a JSON object");
        String f = root.path("format").asText(null);
        if (!format.equals(f)) throw new IllegalArgumentException("format is '" + f + "', expected '" + format + "'");
        return root;
    }

    /** A string field. */
    public static String text(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isTextual()) throw new IllegalArgumentException("\"" + key + "\" is missing or not a string");
        return n.asText();
    }

    /** A whole-number field that fits an int. */
    public static int whole(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt())
            throw new IllegalArgumentException("\"" + key + "\" is missing or not a whole number");
        return n.asInt();
    }

    /** A whole-number field (long). */
    public static long wholeLong(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong())
            throw new IllegalArgumentException("\"" + key + "\" is missing or not a whole number");
        return n.asLong();
    }

    /** A number field. */
    public static double number(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isNumber()) throw new IllegalArgumentException("\"" + key + "\" is missing or not a number");
        return n.asDouble();
    }

    /** An array field of indices (whole numbers that fit an int). */
    public static int[] indices(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isArray()) throw new IllegalArgumentException("\"" + key + "\" is missing or not an array");
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = n.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new IllegalArgumentException("\"" + key + "\"[" + i + "] is not an index");
            out[i] = v.asInt();
        }
        return out;
    }
}
