// The record of a poisoned training run, written into its run folder as poison.json by `lethe train --poison`
// (and by experiments that poison), so that `lethe unlearn --forget poisoned` can rebuild exactly the data the
// model saw and forget exactly the poisoned samples:
//   {"format": "lethe-poison/1", "spec": "badnets:ratio=0.1,target=0,size=4,seed=0,value=0", "attack": "badnets",
//    "ratio": 0.1, "target": 0, "size": 4, "value": 0.0, "margin": 2, "seed": 0, "dataset": "fashion-mnist/train",
//    "trainSize": 60000, "count": 6000, "indices": [sorted indices of the training set as trained]}
// The indices index the training set the model was trained on (after --subset). The file is written atomically and
// read with the data layer's JsonRecords (shared with split.json); reading checks every field and names the file.
package ai.lethe.data.poison;

import ai.lethe.data.Dataset;
import ai.lethe.data.JsonRecords;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

public record PoisonRecord(PoisonSpec spec, Trigger trigger, String dataset, int trainSize, int[] indices) {
    public static final String FORMAT = "lethe-poison/1";
    /** The file's name in a run folder. */
    public static final String FILE = "poison.json";
    private static final JsonMapper JSON = JsonRecords.mapper();

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
        return JsonRecords.text(o);
    }

    public static PoisonRecord fromJson(String json) {
        JsonNode root = JsonRecords.object(json, FORMAT);
        PoisonSpec spec = PoisonSpec.parse(text(root, "spec"));
        if (spec.seed().isEmpty()) throw new IllegalArgumentException("\"spec\" does not name its seed");
        Trigger trigger = new Trigger(whole(root, "size"), (float) number(root, "value"), whole(root, "margin"));
        if (trigger.size() != spec.size() || trigger.value() != spec.value())
            throw new IllegalArgumentException("\"size\"/\"value\" (" + trigger.size() + ", " + trigger.value() + ") disagree with \"spec\" " + spec.spec());
        if (whole(root, "target") != spec.target()) throw new IllegalArgumentException("\"target\" disagrees with \"spec\" " + spec.spec());
        int[] indices = JsonRecords.indices(root, "indices");
        JsonNode count = root.get("count");
        if (count != null && count.asInt(-1) != indices.length)
            throw new IllegalArgumentException("\"count\" is " + count.asText() + " but \"indices\" lists " + indices.length);
        return new PoisonRecord(spec, trigger, text(root, "dataset"), whole(root, "trainSize"), indices);
    }

    /** Writes {@link #toJson()} to {@code file} atomically. */
    public void write(Path file) throws IOException {
        JsonRecords.write(file, toJson());
    }

    /** Reads a record written by {@link #write}; an IOException naming the file and the problem when it is not one. */
    public static PoisonRecord read(Path file) throws IOException {
        return JsonRecords.read(file, "poison record", PoisonRecord::fromJson);
    }

    private static String text(JsonNode root, String key) { return JsonRecords.text(root, key); }

    private static int whole(JsonNode root, String key) { return JsonRecords.whole(root, key); }

    private static double number(JsonNode root, String key) { return JsonRecords.number(root, key); }

    @Override public boolean equals(Object o) {
        return o instanceof PoisonRecord r && spec.equals(r.spec) && trigger.equals(r.trigger) && dataset.equals(r.dataset)
                && trainSize == r.trainSize && Arrays.equals(indices, r.indices);
    }

    @Override public int hashCode() { return Objects.hash(spec, trigger, dataset, trainSize, Arrays.hashCode(indices)); }

    @Override public String toString() { return "PoisonRecord[" + spec.spec() + ", " + indices.length + " of " + trainSize + " samples of " + dataset + "]"; }
}
