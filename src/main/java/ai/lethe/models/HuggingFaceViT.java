// Converts ViT state dicts between Hugging Face's names (transformers' ViTModel / ViTForImageClassification, as
// SSD's reference code uses) and timm's (VisionTransformer here), and reads HF's config.json (config). Names
// only: the two are the same architecture, except that HF's LayerNorm eps defaults to 1e-12 (config(json)
// reads it; or use ViTConfig.withLayerNormEps(1e-12)) and HF splits the attention input projection into
// query, key and value.
//
//   Hugging Face ("vit." prefix optional)                        timm
//   ------------------------------------------------------------ ------------------------------------------
//   vit.embeddings.cls_token                                     cls_token
//   vit.embeddings.position_embeddings                           pos_embed
//   vit.embeddings.patch_embeddings.projection.{weight,bias}     patch_embed.proj.{weight,bias}
//   vit.encoder.layer.{i}.layernorm_before.{weight,bias}         blocks.{i}.norm1.{weight,bias}
//   vit.encoder.layer.{i}.attention.attention.query.{w,b}   \
//   vit.encoder.layer.{i}.attention.attention.key.{w,b}      >   blocks.{i}.attn.qkv.{w,b} = cat([q; k; v], dim 0)
//   vit.encoder.layer.{i}.attention.attention.value.{w,b}   /
//   vit.encoder.layer.{i}.attention.output.dense.{w,b}           blocks.{i}.attn.proj.{w,b}
//   vit.encoder.layer.{i}.layernorm_after.{weight,bias}          blocks.{i}.norm2.{weight,bias}
//   vit.encoder.layer.{i}.intermediate.dense.{weight,bias}       blocks.{i}.mlp.fc1.{weight,bias}
//   vit.encoder.layer.{i}.output.dense.{weight,bias}             blocks.{i}.mlp.fc2.{weight,bias}
//   vit.layernorm.{weight,bias}                                  norm.{weight,bias}
//   classifier.{weight,bias}                                     head.{weight,bias}
//   vit.pooler.dense.{weight,bias}, vit.embeddings.mask_token    (none: reported as unused)
//
// Any other key is an error naming it. toTimm returns timm's state-dict order, fromTimm HF's. Renamed entries are
// the caller's tensors themselves; the fused qkv tensors (toTimm) are new tensors of the current scope, and the
// split q, k, v (fromTimm) are views of timm's qkv tensors.
package ai.lethe.models;

import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class HuggingFaceViT {
    private HuggingFaceViT() {}

    /** A converted state dict and the source keys that have no counterpart (HF's pooler and mask token). */
    public record Conversion(Map<String, Tensor> stateDict, List<String> unused) {
        public Conversion {
            stateDict = Collections.unmodifiableMap(new LinkedHashMap<>(stateDict));
            unused = List.copyOf(unused);
        }
    }

    private static final String[] WB = {"weight", "bias"};
    private static final String[] QKV = {"query", "key", "value"};

    /** Names outside the encoder layers and the classifier: HF (without "vit.") -> timm. */
    private static final Map<String, String> HEAD_AND_STEM = Map.of(
            "embeddings.cls_token", "cls_token",
            "embeddings.position_embeddings", "pos_embed",
            "embeddings.patch_embeddings.projection.weight", "patch_embed.proj.weight",
            "embeddings.patch_embeddings.projection.bias", "patch_embed.proj.bias",
            "layernorm.weight", "norm.weight",
            "layernorm.bias", "norm.bias");

    /** Per-layer names, HF suffix -> timm suffix (q/k/v handled apart), in HF's state-dict order. */
    private static final String[][] LAYER = {
            {"attention.output.dense", "attn.proj"}, {"intermediate.dense", "mlp.fc1"}, {"output.dense", "mlp.fc2"},
            {"layernorm_before", "norm1"}, {"layernorm_after", "norm2"}};

    /** timm's order of a block's entries. */
    private static final String[] TIMM_BLOCK = {"norm1", "attn.qkv", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2"};

    private static final Pattern HF_LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final Pattern HF_QKV = Pattern.compile("encoder\\.layer\\.(\\d+)\\.attention\\.attention\\.(query|key|value)\\.(weight|bias)");
    private static final Pattern TIMM_BLOCK_KEY = Pattern.compile("blocks\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final List<String> UNUSED = List.of("pooler.dense.weight", "pooler.dense.bias", "embeddings.mask_token");

    /**
     * The ViTConfig of a Hugging Face ViT config.json (see HuggingFaceConfig for the fields read and their
     * defaults); layerNormEps is HF's (1e-12 unless the file says otherwise). HF applies hidden dropout after the
     * embeddings, the attention output and the MLP output, timm also after the GELU: with nonzero dropout the
     * two differ in training (never in evaluation).
     */
    public static ViTConfig config(String configJson) { return HuggingFaceConfig.read(configJson); }

    // ---- HF -> timm -------------------------------------------------------------------------------------

    /**
     * timm's state dict from an HF ViTModel / ViTForImageClassification state dict (keys with or without the
     * "vit." prefix). Throws IllegalArgumentException naming an unknown key, a key given both with and without
     * the prefix, or a layer that lacks one of query/key/value.
     */
    public static Conversion toTimm(Map<String, Tensor> hf) {
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        Map<String, Tensor[]> qkv = new LinkedHashMap<>();  // "blocks.i.attn.qkv.weight" -> {q, k, v}
        List<String> unused = new ArrayList<>();
        for (var e : hf.entrySet()) {
            String key = e.getKey();
            String name = key.startsWith("vit.") && !key.startsWith("vit.classifier.") ? key.substring(4) : key;
            if (UNUSED.contains(name)) {
                unused.add(key);
                continue;
            }
            String timm = timmName(name);
            Matcher m = HF_QKV.matcher(name);
            if (timm != null) {
                put(renamed, timm, e.getValue(), key);
            } else if (m.matches()) {
                Tensor[] parts = qkv.computeIfAbsent("blocks." + index(m.group(1)) + ".attn.qkv." + m.group(3), _ -> new Tensor[3]);
                int part = List.of(QKV).indexOf(m.group(2));
                if (parts[part] != null)
                    throw new IllegalArgumentException("HuggingFaceViT.toTimm: '" + key + "' repeats a tensor another key already gave");
                parts[part] = e.getValue();
            } else {
                throw new IllegalArgumentException("HuggingFaceViT.toTimm: unknown key '" + key + "' (not a ViTModel or "
                        + "ViTForImageClassification weight)");
            }
        }
        try (var _ = GradMode.noGrad()) {
            for (var e : qkv.entrySet()) {
                Tensor[] p = e.getValue();
                for (int i = 0; i < 3; i++)
                    if (p[i] == null)
                        throw new IllegalArgumentException("HuggingFaceViT.toTimm: " + e.getKey() + " needs query, key and value; "
                                + "the state dict has no '" + hfLayerKey(e.getKey(), QKV[i]) + "'");
                renamed.put(e.getKey(), Tensor.cat(List.of(p), 0));
            }
        }
        return new Conversion(timmOrder(renamed), unused);
    }

    /** The timm name of an HF name (without "vit."), or null for the query/key/value weights. */
    private static String timmName(String name) {
        if (HEAD_AND_STEM.containsKey(name)) return HEAD_AND_STEM.get(name);
        if (name.equals("classifier.weight")) return "head.weight";
        if (name.equals("classifier.bias")) return "head.bias";
        Matcher m = HF_LAYER.matcher(name);
        if (!m.matches()) return null;
        for (String[] l : LAYER) if (l[0].equals(m.group(2))) return "blocks." + index(m.group(1)) + "." + l[1] + "." + m.group(3);
        return null;
    }

    private static String hfLayerKey(String timmQkvKey, String which) {
        Matcher m = TIMM_BLOCK_KEY.matcher(timmQkvKey);
        if (!m.matches()) throw new IllegalStateException(timmQkvKey);
        return "vit.encoder.layer." + m.group(1) + ".attention.attention." + which + "." + m.group(3);
    }

    private static int index(String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("HuggingFaceViT: layer index " + digits + " is out of range", e);
        }
    }

    private static void put(Map<String, Tensor> out, String name, Tensor t, String source) {
        if (out.putIfAbsent(name, t) != null)
            throw new IllegalArgumentException("HuggingFaceViT.toTimm: '" + source + "' maps to '" + name + "', which another key already gave");
    }

    /** timm's state-dict order: cls_token, pos_embed, patch_embed, blocks in index order, norm, head. */
    private static Map<String, Tensor> timmOrder(Map<String, Tensor> in) {
        List<String> order = new ArrayList<>(List.of("cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias"));
        for (int i : blockIndices(in.keySet(), TIMM_BLOCK_KEY))
            for (String b : TIMM_BLOCK) for (String p : WB) order.add("blocks." + i + "." + b + "." + p);
        order.addAll(List.of("norm.weight", "norm.bias", "head.weight", "head.bias"));
        return reorder(in, order);
    }

    // ---- timm -> HF -------------------------------------------------------------------------------------

    /** HF ViTForImageClassification names ("vit." prefix) for a timm ViT state dict. */
    public static Map<String, Tensor> fromTimm(Map<String, Tensor> timm) { return fromTimm(timm, true); }

    /**
     * HF names for a timm ViT state dict, with or without the "vit." prefix (ViTForImageClassification /
     * ViTModel); head becomes "classifier" either way. Throws IllegalArgumentException naming an unknown key
     * or a qkv tensor whose first dimension is not a multiple of 3.
     */
    public static Map<String, Tensor> fromTimm(Map<String, Tensor> timm, boolean vitPrefix) {
        String prefix = vitPrefix ? "vit." : "";
        Map<String, String> stem = new LinkedHashMap<>();
        HEAD_AND_STEM.forEach((hf, t) -> stem.put(t, hf));
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var _ = GradMode.noGrad()) {
            for (var e : timm.entrySet()) {
                String key = e.getKey();
                Tensor t = e.getValue();
                if (stem.containsKey(key)) {
                    out.put(prefix + stem.get(key), t);
                } else if (key.equals("head.weight") || key.equals("head.bias")) {
                    out.put("classifier." + key.substring(5), t);
                } else {
                    Matcher m = TIMM_BLOCK_KEY.matcher(key);
                    if (!m.matches()) throw unknownTimm(key);
                    String layer = prefix + "encoder.layer." + index(m.group(1)) + ".";
                    if (m.group(2).equals("attn.qkv")) {
                        if (t.rank() == 0 || t.size(0) % 3 != 0)
                            throw new IllegalArgumentException("HuggingFaceViT.fromTimm: '" + key + "' has shape " + t.shape()
                                    + "; its first dimension must be 3·dim (q, k, v)");
                        long d = t.size(0) / 3;
                        for (int i = 0; i < 3; i++) out.put(layer + "attention.attention." + QKV[i] + "." + m.group(3), t.narrow(0, i * d, d));
                    } else {
                        String hf = null;
                        for (String[] l : LAYER) if (l[1].equals(m.group(2))) hf = l[0];
                        if (hf == null) throw unknownTimm(key);
                        out.put(layer + hf + "." + m.group(3), t);
                    }
                }
            }
        }
        return hfOrder(out, prefix);
    }

    private static IllegalArgumentException unknownTimm(String key) {
        return new IllegalArgumentException("HuggingFaceViT.fromTimm: unknown key '" + key + "' (not a timm VisionTransformer weight "
                + "this mapping knows)");
    }

    /** HF's state-dict order: embeddings (cls, position, patch projection), layers, layernorm, classifier. */
    private static Map<String, Tensor> hfOrder(Map<String, Tensor> in, String prefix) {
        List<String> order = new ArrayList<>();
        for (String n : List.of("embeddings.cls_token", "embeddings.position_embeddings", "embeddings.patch_embeddings.projection.weight",
                "embeddings.patch_embeddings.projection.bias")) order.add(prefix + n);
        Pattern layerKey = Pattern.compile(Pattern.quote(prefix) + "encoder\\.layer\\.(\\d+)\\..+");
        for (int i : blockIndices(in.keySet(), layerKey)) {
            String layer = prefix + "encoder.layer." + i + ".";
            for (String q : QKV) for (String p : WB) order.add(layer + "attention.attention." + q + "." + p);
            for (String[] l : LAYER) for (String p : WB) order.add(layer + l[0] + "." + p);
        }
        order.addAll(List.of(prefix + "layernorm.weight", prefix + "layernorm.bias", "classifier.weight", "classifier.bias"));
        return reorder(in, order);
    }

    private static TreeSet<Integer> blockIndices(Iterable<String> keys, Pattern p) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String k : keys) {
            Matcher m = p.matcher(k);
            if (m.matches()) out.add(index(m.group(1)));
        }
        return out;
    }

    /** The entries of {@code in} in {@code order} (every key of {@code in} is in it). */
    private static Map<String, Tensor> reorder(Map<String, Tensor> in, List<String> order) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String k : order) if (in.containsKey(k)) out.put(k, in.get(k));
        if (out.size() != in.size()) throw new IllegalStateException("HuggingFaceViT: keys lost in reordering: " + in.keySet());
        return out;
    }
}
