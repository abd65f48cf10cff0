// The record of a poisoned training run, written into its run folder as poison.json by `lethe train --poison`
// (and by experiments that poison), so that `lethe unlearn --forget poisoned` can rebuild exactly the data the
// model saw and forget exactly the poisoned samples:
//   {"format": "lethe-poison/1", "spec": "badnets:ratio=0.1,target=0,size=4,seed=0,value=0", "attack": "badnets",
//    "ratio": 0.1, "target": 0, "size": 4, "value": 0.0, "margin": 2, "seed": 0, "dataset": "fashion-mnist/train",
//    "trainSize": 60000, "count": 6000, "indices": [sorted indices of the training set as trained]}
// The indices index the training set the model was trained on (after --subset). The file is written atomically
// (a temporary sibling forced to disk, then renamed over the target); reading checks every field and names the file.
package ai.lethe.data.poison;

import ai.lethe.data.Dataset;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

public record PoisonRecord(PoisonSpec spec, Trigger trigger, String dataset, int trainSize, int[] indices) {
    public static final String FORMAT = "lethe-poison/1";
    /** The file's name in a run folder. */
    public static final String FILE = "poison.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public PoisonRecord {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(dataset, "dataset");
        if (spec.seed().isEmpty()) throw new IllegalArgumentException("poison record: the spec must name its seed, got " + spec.spec());
        indices = indices.clone();
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] < 0 || indices[k] >= trainSize)
                throw new IllegalArgumentException("poison record: index " + indices[k] + " is outside 0.." + (trainSize - 1));
            if (k > 0 && indices[k] <= indices[k - 1]) throw new IllegalArgumentException("poison record: indices are not sorted and distinct at entry " + k);
        }
    }

    /** The record of {@code data}, poisoned as {@code spec} says with {@code seed}. */
    public static PoisonRecord of(Poisoned data, PoisonSpec spec, long seed) {
        return new PoisonRecord(spec.withSeed(spec.seedOr(seed)), data.trigger(), data.base().name(), data.size(), data.indices());
    }

    @Override public int[] indices() { return indices.clone(); }

    /**
     * {@code train} (the training set the model was trained on) poisoned as recorded; an IllegalArgumentException
     * when it is not the recorded one's size or the record does not fit its classes or images.
     */
    public Poisoned apply(Dataset train) {
        if (train.size() != trainSize)
            throw new IllegalArgumentException("the poison record is for a training set of " + trainSize + " samples (" + dataset + "), but "
                    + train.name() + " has " + train.size());
        return Poisoned.at(train, indices, trigger, spec.target());
    }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("spec", spec.spec());
        o.put("attack", spec.attack());
        o.put("ratio", spec.ratio());
        o.put("target", spec.target());
        o.put("size", trigger.size());
        o.put("value", trigger.value());
        o.put("margin", trigger.margin());
        o.put("seed", spec.seed().getAsLong());
        o.put("dataset", dataset);
        o.put("trainSize", trainSize);
        o.put("count", indices.length);
        var a = o.putArray("indices");
        for (int i : indices) a.add(i);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static PoisonRecord fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("not a JSON object");
        String format = root.path("format").asText(null);
        if (!FORMAT.equals(format)) throw new IllegalArgumentException("format is '" + format + "', expected '" + FORMAT + "'");
        PoisonSpec spec = PoisonSpec.parse(text(root, "spec"));
        if (spec.seed().isEmpty()) throw new IllegalArgumentException("\"spec\" does not name its seed");
        Trigger trigger = new Trigger(whole(root, "size"), (float) number(root, "value"), whole(root, "margin"));
        if (trigger.size() != spec.size() || trigger.value() != spec.value())
            throw new IllegalArgumentException("\"size\"/\"value\" (" + trigger.size() + ", " + trigger.value() + ") disagree with \"spec\" " + spec.spec());
        if (whole(root, "target") != spec.target()) throw new IllegalArgumentException("\"target\" disagrees with \"spec\" " + spec.spec());
        JsonNode idx = root.get("indices");
        if (idx == null || !idx.isArray()) throw new IllegalArgumentException("\"indices\" is missing or not an array");
        int[] indices = new int[idx.size()];
        for (int i = 0; i < indices.length; i++) {
            JsonNode v = idx.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new IllegalArgumentException("\"indices\"[" + i + "] is not an index");
            indices[i] = v.asInt();
        }
        JsonNode count = root.get("count");
        if (count != null && count.asInt(-1) != indices.length)
            throw new IllegalArgumentException("\"count\" is " + count.asText() + " but \"indices\" lists " + indices.length);
        return new PoisonRecord(spec, trigger, text(root, "dataset"), whole(root, "trainSize"), indices);
    }

    /** Writes {@link #toJson()} to {@code file} atomically. */
    public void write(Path file) throws IOException {
        byte[] bytes = toJson().getBytes(StandardCharsets.UTF_8);
        Path abs = file.toAbsolutePath();
        Path tmp = null;
        for (int attempt = 0; tmp == null; attempt++) {
            try {
                tmp = Files.createFile(abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp"));
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Reads a record written by {@link #write}; an IOException naming the file and the problem when it is not one. */
    public static PoisonRecord read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "poison record does not exist");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException("poison record " + file + " is not UTF-8 text", e);
        }
        try {
            return fromJson(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("poison record " + file + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isTextual()) throw new IllegalArgumentException("\"" + key + "\" is missing or not a string");
        return n.asText();
    }

    private static int whole(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) throw new IllegalArgumentException("\"" + key + "\" is missing or not a whole number");
        return n.asInt();
    }

    private static double number(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isNumber()) throw new IllegalArgumentException("\"" + key + "\" is missing or not a number");
        return n.asDouble();
    }

    @Override public boolean equals(Object o) {
        return o instanceof PoisonRecord r && spec.equals(r.spec) && trigger.equals(r.trigger) && dataset.equals(r.dataset)
                && trainSize == r.trainSize && Arrays.equals(indices, r.indices);
    }

    @Override public int hashCode() { return Objects.hash(spec, trigger, dataset, trainSize, Arrays.hashCode(indices)); }

    @Override public String toString() { return "PoisonRecord[" + spec.spec() + ", " + indices.length + " of " + trainSize + " samples of " + dataset + "]"; }
}
