// The JSON form of a Split, written next to every result so the split can be checked and rebuilt:
//   {"format": "lethe-split/1", "dataset": "cifar10", "request": "class=3", "kind": "class", "seed": 0,
//    "trainSize": 50000, "testSize": 10000, "forgetTestFrom": "test" | "train",
//    "sizes": {"forget": .., "retain": .., "forgetTest": .., "retainTest": ..},
//    "forget": [sorted indices], "retain": [...], "forgetTest": [...], "retainTest": [...]}
// Reading re-parses the request from "request", except for index requests, whose indices are "forget" itself
// (the file they came from may be gone). Files are written atomically: a temporary sibling, forced to disk, then
// renamed over the target.
package ai.lethe.data.split;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

final class SplitJson {
    static final String FORMAT = "lethe-split/1";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SplitJson() {}

    static String write(Split s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("dataset", s.dataset());
        root.put("request", s.request().spec());
        root.put("kind", s.request().kind());
        root.put("seed", s.seed());
        root.put("trainSize", s.trainSize());
        root.put("testSize", s.testSize());
        root.put("forgetTestFrom", s.forgetTestFromTrain() ? "train" : "test");
        ObjectNode sizes = root.putObject("sizes");
        sizes.put("forget", s.forget().length);
        sizes.put("retain", s.retain().length);
        sizes.put("forgetTest", s.forgetTest().length);
        sizes.put("retainTest", s.retainTest().length);
        array(root.putArray("forget"), s.forget());
        array(root.putArray("retain"), s.retain());
        array(root.putArray("forgetTest"), s.forgetTest());
        array(root.putArray("retainTest"), s.retainTest());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void array(ArrayNode node, int[] values) {
        for (int v : values) node.add(v);
    }

    static Split read(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("not a JSON object");
        String format = text(root, "format");
        if (!FORMAT.equals(format)) throw new IllegalArgumentException("format is '" + format + "', expected '" + FORMAT + "'");
        String kind = text(root, "kind"), spec = text(root, "request"), from = text(root, "forgetTestFrom");
        if (!from.equals("train") && !from.equals("test")) throw new IllegalArgumentException("forgetTestFrom must be \"train\" or \"test\", got '" + from + "'");
        int[] forget = ints(root, "forget");
        ForgetRequest request = kind.equals("indices")
                ? new IndexForget(forget, spec.startsWith("indices=[") ? null : Path.of(spec.substring("indices=".length())))
                : ForgetRequest.parse(spec);
        if (!request.kind().equals(kind)) throw new IllegalArgumentException("request '" + spec + "' is not of kind '" + kind + "'");
        Split s = new Split(text(root, "dataset"), request, number(root, "seed").asLong(), number(root, "trainSize").asInt(),
                number(root, "testSize").asInt(), from.equals("train"), forget, ints(root, "retain"), ints(root, "forgetTest"),
                ints(root, "retainTest"));
        JsonNode sizes = root.get("sizes");
        if (sizes != null) {
            check(sizes, "forget", s.forget().length);
            check(sizes, "retain", s.retain().length);
            check(sizes, "forgetTest", s.forgetTest().length);
            check(sizes, "retainTest", s.retainTest().length);
        }
        return s;
    }

    static void writeFile(Split s, Path file) throws IOException {
        byte[] bytes = write(s).getBytes(StandardCharsets.UTF_8);
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || file.getFileName() == null) throw new IOException("cannot write a split to " + file + ": it has no folder");
        Path tmp = temporarySibling(abs);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + tmp + " to " + abs + " atomically: " + e.getReason(), e);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A new empty file ".<name>.<random>.tmp" next to {@code target} (createFile: the usual permissions, not 0600). */
    private static Path temporarySibling(Path target) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String hex = Long.toHexString(ThreadLocalRandom.current().nextLong());
            try {
                return Files.createFile(target.resolveSibling("." + target.getFileName() + "." + hex + ".tmp"));
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    static Split readFile(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "split file does not exist");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException("split file " + file + " is not UTF-8 text (not a split written by Lethe)", e);
        }
        try {
            return read(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("split file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isTextual()) throw new IllegalArgumentException("\"" + key + "\" is missing or not a string");
        return n.asText();
    }

    private static JsonNode number(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isIntegralNumber()) throw new IllegalArgumentException("\"" + key + "\" is missing or not a whole number");
        return n;
    }

    private static int[] ints(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isArray()) throw new IllegalArgumentException("\"" + key + "\" is missing or not an array");
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = n.get(i);
            if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new IllegalArgumentException("\"" + key + "\"[" + i + "] is not an index");
            out[i] = v.asInt();
        }
        return out;
    }

    private static void check(JsonNode sizes, String key, int actual) {
        JsonNode n = sizes.get(key);
        if (n != null && n.asInt(-1) != actual)
            throw new IllegalArgumentException("sizes." + key + " is " + n.asText() + " but \"" + key + "\" lists " + actual + " indices");
    }
}
