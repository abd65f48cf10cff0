// What a checkpoint records besides tensors, as string metadata of its model.safetensors: the model's config
// (a JSON string the caller supplies, e.g. the ResNet/ViT options), the dataset, the epoch, the seed, the Lethe
// version that wrote it, and any extra string pairs. Reserved keys: lethe.model, lethe.dataset, lethe.epoch,
// lethe.seed, lethe.version.
package ai.lethe.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * @param modelConfigJson the model's configuration as JSON (null: none); save checks that it parses
 * @param dataset         the dataset's name (null: none)
 * @param epoch           epochs completed
 * @param seed            the run's seed
 * @param version         the Lethe version that wrote the checkpoint: set by {@link Checkpoint#readInfo}; save
 *                        ignores it and records the running version
 * @param extra           more string metadata (keys other than the reserved ones), in order
 */
public record CheckpointInfo(String modelConfigJson, String dataset, long epoch, long seed, String version,
                             Map<String, String> extra) {
    public static final String MODEL = "lethe.model";
    public static final String DATASET = "lethe.dataset";
    public static final String EPOCH = "lethe.epoch";
    public static final String SEED = "lethe.seed";
    public static final String VERSION = "lethe.version";
    /** The metadata keys this record's fields use. */
    public static final Set<String> RESERVED = Set.of(MODEL, DATASET, EPOCH, SEED, VERSION);

    public CheckpointInfo {
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        if (extra != null)
            extra.forEach((k, v) -> {
                if (k == null || v == null) throw new IllegalArgumentException("CheckpointInfo: extra metadata keys and values must not be null (key " + k + ")");
                if (RESERVED.contains(k)) throw new IllegalArgumentException("CheckpointInfo: extra metadata key '" + k + "' is reserved; use the record's field");
                copy.put(k, v);
            });
        extra = Collections.unmodifiableMap(copy);
    }

    /** Info for a checkpoint written now: the running Lethe version, no extra metadata. */
    public static CheckpointInfo of(String modelConfigJson, String dataset, long epoch, long seed) {
        return new CheckpointInfo(modelConfigJson, dataset, epoch, seed, LetheVersion.current(), Map.of());
    }

    /** This info with {@code extra} as its extra metadata. */
    public CheckpointInfo withExtra(Map<String, String> extra) {
        return new CheckpointInfo(modelConfigJson, dataset, epoch, seed, version, extra);
    }

    /** The model file's metadata: the reserved keys (those that are set), then the extra ones. */
    Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        if (modelConfigJson != null) m.put(MODEL, modelConfigJson);
        if (dataset != null) m.put(DATASET, dataset);
        m.put(EPOCH, Long.toString(epoch));
        m.put(SEED, Long.toString(seed));
        m.put(VERSION, LetheVersion.current());
        m.putAll(extra);
        return m;
    }
}
