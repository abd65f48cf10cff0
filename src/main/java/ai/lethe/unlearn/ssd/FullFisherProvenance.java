// What determines SSD's I_D, recorded as tags of the FisherMap (and so in a --fisher-cache file's metadata): the
// order of D (the reference's ConcatDataset((retain, forget)): Dr then Df, unshuffled), the Fisher kind, the batch
// size, a SHA-256 of the model's parameters and buffers, and a SHA-256 of the data. For the batch-mean Fisher the
// batches — so the value — depend on all of them; a cached I_D is used only when every field equals what SSD would
// compute itself, so a cached run gives bit for bit the parameters of a computing one.
// The data fingerprint: with a split, its dataset name, training-set size and forget indices (they fix Dr and Df
// and their order); without one, the sizes and labels of Dr then Df; without a split and without Dr, unknown (null).
package ai.lethe.unlearn.ssd;

import ai.lethe.core.DType;
import ai.lethe.data.Dataset;
import ai.lethe.data.split.Split;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.UnlearnContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * @param order     the order of D's samples (always {@link #ORDER})
 * @param kind      batch-mean or per-sample
 * @param batchSize the loader's batch size
 * @param model     SHA-256 (hex) of the model's parameters and buffers
 * @param data      the data fingerprint (see the header), or null when it cannot be computed
 */
public record FullFisherProvenance(String order, String kind, int batchSize, String model, String data) {
    /** The reference's order of D: Dr then Df, unshuffled. */
    public static final String ORDER = "retain,forget";
    public static final String ORDER_TAG = "lethe.ssd.order", KIND_TAG = "lethe.ssd.fisher", BATCH_TAG = "lethe.ssd.batch-size",
            MODEL_TAG = "lethe.ssd.model-sha256", DATA_TAG = "lethe.ssd.data-sha256";

    public FullFisherProvenance {
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(model, "model");
    }

    /** The provenance of the I_D SSD computes itself for {@code model} in {@code context}. */
    static FullFisherProvenance of(Module model, UnlearnContext context, String kind, int batchSize) {
        return new FullFisherProvenance(ORDER, kind, batchSize, modelFingerprint(model), dataFingerprint(context));
    }

    /** As tags of a FisherMap (the data tag only when known). */
    public Map<String, String> toTags() {
        LinkedHashMap<String, String> t = new LinkedHashMap<>();
        t.put(ORDER_TAG, order);
        t.put(KIND_TAG, kind);
        t.put(BATCH_TAG, Integer.toString(batchSize));
        t.put(MODEL_TAG, model);
        if (data != null) t.put(DATA_TAG, data);
        return t;
    }

    /** Read back from tags; null when the map records no SSD provenance (or an unreadable one). */
    public static FullFisherProvenance fromTags(Map<String, String> tags) {
        String order = tags.get(ORDER_TAG), kind = tags.get(KIND_TAG), batch = tags.get(BATCH_TAG), model = tags.get(MODEL_TAG);
        if (order == null || kind == null || batch == null || model == null) return null;
        try {
            return new FullFisherProvenance(order, kind, Integer.parseInt(batch), model, tags.get(DATA_TAG));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * How a cached I_D made as {@code this} differs from the one {@code expected} describes, one phrase per field
     * (empty: it is the same computation). An unknown data fingerprint on either side is not compared.
     */
    public List<String> differencesFrom(FullFisherProvenance expected) {
        List<String> d = new ArrayList<>();
        if (!order.equals(expected.order)) d.add("order of D " + order + " (SSD uses " + expected.order + ")");
        if (!kind.equals(expected.kind)) d.add("Fisher " + kind + " (this run: " + expected.kind + ")");
        if (batchSize != expected.batchSize) d.add("batch size " + batchSize + " (this run: " + expected.batchSize + ")");
        if (!model.equals(expected.model)) d.add("another model (weights sha256 " + shortHash(model) + ", this one " + shortHash(expected.model) + ")");
        if (data != null && expected.data != null && !data.equals(expected.data))
            d.add("another forget/retain split or training set (data sha256 " + shortHash(data) + ", this run " + shortHash(expected.data) + ")");
        return d;
    }

    private static String shortHash(String h) { return h.length() > 12 ? h.substring(0, 12) : h; }

    /** SHA-256 over the names, dtypes, shapes and values of the model's parameters and buffers. */
    static String modelFingerprint(Module model) {
        MessageDigest md = sha256();
        tensors(md, "parameter", model.namedParameters());
        tensors(md, "buffer", model.namedBuffers());
        return HexFormat.of().formatHex(md.digest());
    }

    private static void tensors(MessageDigest md, String what, Map<String, Tensor> tensors) {
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            text(md, what + " " + e.getKey() + " " + t.dtype() + " " + t.shape());
            ByteBuffer b;
            if (t.dtype() == DType.FLOAT32) {
                float[] v = t.toFloatArray();
                b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
            } else if (t.dtype() == DType.INT64) {
                long[] v = t.toLongArray();
                b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                b.asLongBuffer().put(v);
            } else {
                double[] v = t.toDoubleArray();
                b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                b.asDoubleBuffer().put(v);
            }
            md.update(b.array());
        }
    }

    /** The data fingerprint of {@code context} (see the header), or null. */
    static String dataFingerprint(UnlearnContext context) {
        MessageDigest md = sha256();
        Split s = context.split();
        if (s != null) {
            text(md, "split " + s.dataset() + " train " + s.trainSize() + " forget " + s.forget().length);
            ints(md, s.forget());
        } else if (context.retain() != null && context.forget() != null) {
            labels(md, "retain", context.retain());
            labels(md, "forget", context.forget());
        } else {
            return null;
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void labels(MessageDigest md, String part, Dataset d) {
        text(md, part + " " + d.size());
        int[] y = new int[d.size()];
        for (int i = 0; i < y.length; i++) y[i] = d.label(i);
        ints(md, y);
    }

    private static void ints(MessageDigest md, int[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        md.update(b.array());
    }

    private static void text(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
