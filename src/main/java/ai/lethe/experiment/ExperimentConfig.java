// An experiment protocol read from JSON or YAML (`lethe experiment CONFIG`): the dataset (optionally a subset),
// the original model (trained from an architecture and recipe, or loaded from a checkpoint), the forget request,
// an optional pruning step, the unlearning methods with their options, and the seeds. Every key is checked:
// an unknown key, a missing required one or a bad value is an IllegalArgumentException naming the file and key.
//
//   name: fmnist-class3                 # default: the file's name
//   dataset: fashion-mnist
//   train_subset: 5000                  # optional: N training samples drawn with seed 0 (balanced per class)
//   test_subset: 2000                   # optional: N test samples (balanced per class)
//   model: {arch: resnet18, width: 16}  # or base: runs/base (a trained checkpoint/run folder; no training)
//   train: {preset: ssd, epochs: 3, optimizer: adamw, lr: 0.002, weight_decay: 0.01, batch_size: 64, augment: false}
//   forget: class=3
//   poison: badnets:ratio=0.1,target=0,size=4     # optional: backdoor the training set (PoisonSpec; seed default 0)
//   forget: poisoned                              # ... and forget the poisoned samples (needs poison)
//   prune: {method: omp, sparsity: 0.95}          # optional; a list of sparsities makes a sweep (SparsitySweep):
//   prune: {method: omp, sparsity: [0, 0.75, 0.9, 0.95, 0.99]}   # one experiment per sparsity (0 = dense)
//   methods: [ssd, ft, {name: ga, options: {lr: 1e-4}}]   # retrain (the gold standard) is always run
//   seeds: [0, 1, 2]
//   eval: {batch_size: 256, mia_feature: confidence}
//   tune: {methods: [ssd, ft], budget: 8, target: 0.1, seed: 0}   # optional: choose these methods' hyper-parameters
//                                       # first (ai.lethe.tune.Tuner; methods default: all but retrain; target: chance)
// A method whose options hold alpha=auto (ssd, lf-ssd) is tuned for α even without a tune block.
package ai.lethe.experiment;

import ai.lethe.data.ImageShape;
import ai.lethe.data.poison.PoisonSpec;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.ResNetConfig;
import ai.lethe.models.ViTConfig;
import ai.lethe.train.TrainConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * @param trainSubset  training samples to use (0: all), drawn per class with seed 0
 * @param testSubset   test samples to use (0: all)
 * @param model        the architecture to train, or empty when {@code base} is given
 * @param base         a trained model to start from (a run folder or checkpoint), or empty
 * @param train        the training recipe (original model, and Retrain's)
 * @param forget       the forget request's text (class=3, random=100, ...)
 * @param prune        the pruning step, or empty
 * @param methods      the methods to run, "retrain" first
 * @param seeds        one run per method and seed
 * @param poison       the backdoor the training set gets before anything is trained, or empty
 * @param sweep        the sparsities of a sweep (prune.sparsity given as a list; then prune's own sparsity is NaN),
 *                     or empty for a single experiment
 */
public record ExperimentConfig(String name, String dataset, int trainSubset, int testSubset, Optional<ModelSpec> model,
                               Optional<Path> base, TrainConfig train, String forget, Optional<PruneSpec> prune,
                               List<MethodSpec> methods, List<Long> seeds, int evalBatchSize, String miaFeature,
                               Optional<PoisonSpec> poison, List<Double> sweep, Optional<TuneSpec> tune) {

    /**
     * The tuning step: the methods (by name) whose hyper-parameters are chosen before they run (empty: every method
     * but retrain), the most trials per method, class forgetting's forget-accuracy target (NaN: chance) and the seed.
     */
    public record TuneSpec(List<String> methods, int budget, double target, long seed) {
        public TuneSpec { methods = List.copyOf(methods); }

        /** Whether {@code method} (a name) is to be tuned. */
        public boolean covers(String method) { return !method.equals(RETRAIN) && (methods.isEmpty() || methods.contains(method)); }
    }

    /** Whether this config is a sparsity sweep (run by SparsitySweep, one Experiment per sparsity). */
    public boolean isSweep() { return !sweep.isEmpty(); }

    /**
     * The single experiment of a sweep at {@code sparsity}: this config without the sweep, pruned to
     * {@code sparsity} with the sweep's method (dense, unpruned, at 0).
     */
    public ExperimentConfig atSparsity(double sparsity) {
        PruneSpec p = prune.orElseThrow(() -> new IllegalStateException("atSparsity: " + name + " has no pruning step"));
        Optional<PruneSpec> at = sparsity == 0 ? Optional.empty() : Optional.of(new PruneSpec(p.method(), sparsity, p.rewindEpoch()));
        return new ExperimentConfig(name, dataset, trainSubset, testSubset, model, base, train, forget, at, methods, seeds, evalBatchSize,
                miaFeature, poison, List.of(), tune);
    }

    /** An architecture: resnet18 (width, stem) or vit-tiny/small/base (patch, image size). */
    public record ModelSpec(String arch, int width, String stem, int patch, int imageSize) {
        /** The architectures by name. */
        public static final List<String> ARCHS = List.of("resnet18", "vit-tiny", "vit-small", "vit-base");

        /** The ResNet stem by name: cifar or imagenet. */
        public static ResNetConfig.Stem stem(String name) {
            return switch (name) {
                case "cifar" -> ResNetConfig.Stem.CIFAR;
                case "imagenet" -> ResNetConfig.Stem.IMAGENET;
                default -> throw new IllegalArgumentException("unknown stem '" + name + "'; known: cifar, imagenet");
            };
        }

        /** The config for images of {@code shape} (after any resize) and {@code classes} classes. */
        public ModelConfig config(ImageShape shape, int classes) {
            if (arch.startsWith("vit-") && ARCHS.contains(arch) && shape.height() != shape.width())
                throw new IllegalArgumentException("a ViT needs square images, got " + shape + "; resize them (--image-size, image_size)");
            return switch (arch) {
                case "resnet18" -> new ResNetConfig(shape.channels(), classes, width, stem(stem), ResNetConfig.RESNET18_BLOCKS);
                case "vit-tiny" -> ViTConfig.tiny(shape.height(), patch, classes).withInChannels(shape.channels());
                case "vit-small" -> ViTConfig.small(shape.height(), patch, classes).withInChannels(shape.channels());
                case "vit-base" -> ViTConfig.base(shape.height(), patch, classes).withInChannels(shape.channels());
                default -> throw new IllegalArgumentException("unknown model '" + arch + "'; known: " + String.join(", ", ARCHS));
            };
        }
    }

    /** A pruning step: omp, imp or synflow to {@code sparsity}; rewind epoch for omp/imp. */
    public record PruneSpec(String method, double sparsity, int rewindEpoch) {}

    /** A method and its options (as MethodOptions reads them). */
    public record MethodSpec(String name, Map<String, String> options) {
        public MethodSpec { options = Map.copyOf(options); }

        /** The label used in reports and folder names: the name, or name[key=value,...] with options. */
        public String label() {
            if (options.isEmpty()) return name;
            StringBuilder b = new StringBuilder(name).append('[');
            new java.util.TreeMap<>(options).forEach((k, v) -> b.append(b.charAt(b.length() - 1) == '[' ? "" : ",").append(k).append('=').append(v));
            return b.append(']').toString();
        }
    }

    public static final String RETRAIN = "retrain";

    /** Reads {@code file}: YAML when it ends in .yaml/.yml, JSON otherwise. */
    public static ExperimentConfig read(Path file) throws IOException {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = lower.endsWith(".yaml") || lower.endsWith(".yml") ? new YAMLMapper() : JsonMapper.builder().build();
        JsonNode root;
        try {
            root = mapper.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid " + (mapper instanceof YAMLMapper ? "YAML" : "JSON") + ": "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        String stem = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Path dir = file.toAbsolutePath().getParent();
        return parse(root, stem, dir, file.toString());
    }

    /** Parses a config tree; relative base paths resolve against {@code dir}; {@code where} names the source in errors. */
    public static ExperimentConfig parse(JsonNode root, String defaultName, Path dir, String where) {
        Node n = new Node(root, where, "");
        n.allow("name", "dataset", "train_subset", "test_subset", "model", "base", "train", "forget", "poison", "prune", "methods", "seeds", "eval",
                "tune");
        String name = n.text("name", defaultName);
        String dataset = n.requiredText("dataset");
        int trainSubset = n.integer("train_subset", 0, 0);
        int testSubset = n.integer("test_subset", 0, 0);
        Optional<Path> base = n.has("base") ? Optional.of(dir.resolve(n.requiredText("base")).normalize()) : Optional.empty();
        Optional<ModelSpec> model = Optional.empty();
        if (n.has("model")) {
            Node m = n.child("model");
            m.allow("arch", "width", "stem", "patch", "image_size");
            String arch = m.text("arch", "resnet18");
            if (!ModelSpec.ARCHS.contains(arch))
                throw n.error("model.arch", "unknown architecture '" + arch + "'; known: resnet18, vit-tiny, vit-small, vit-base");
            String stem = m.text("stem", "cifar");
            try {
                ModelSpec.stem(stem);
            } catch (IllegalArgumentException e) {
                throw n.error("model.stem", "must be cifar or imagenet, got '" + stem + "'");
            }
            model = Optional.of(new ModelSpec(arch, m.integer("width", 64, 1), stem, m.integer("patch", 4, 1), m.integer("image_size", 0, 0)));
        }
        if (model.isPresent() == base.isPresent())
            throw new IllegalArgumentException(where + ": give exactly one of 'model' (an architecture to train) and 'base' (a trained model)");
        TrainConfig train = trainConfig(n);
        String forget = n.requiredText("forget");
        try {
            ForgetRequest.parse(forget);
        } catch (IllegalArgumentException e) {
            throw n.error("forget", e.getMessage());
        }
        Optional<PoisonSpec> poison = Optional.empty();
        if (n.has("poison")) {
            try {
                poison = Optional.of(PoisonSpec.parse(n.requiredText("poison")));
            } catch (IllegalArgumentException e) {
                throw n.error("poison", e.getMessage());
            }
        }
        if (ForgetRequest.parse(forget) instanceof ai.lethe.data.split.PoisonForget && poison.isEmpty())
            throw n.error("forget", "'poisoned' forgets the poisoned samples, so the config needs 'poison' (e.g. poison: badnets:ratio=0.1,target=0,size=4)");
        Optional<PruneSpec> prune = Optional.empty();
        List<Double> sweep = new ArrayList<>();
        if (n.has("prune")) {
            Node p = n.child("prune");
            p.allow("method", "sparsity", "rewind_epoch");
            String method = p.requiredText("method");
            if (!Set.of("omp", "imp", "synflow").contains(method))
                throw n.error("prune.method", "unknown pruning method '" + method + "'; known: omp, imp, synflow");
            JsonNode list = p.node().get("sparsity");
            double sparsity;
            if (list != null && list.isArray()) {
                if (list.isEmpty()) throw n.error("prune.sparsity", "an empty list; give a sparsity or a list of them");
                for (JsonNode v : list) {
                    if (!v.isNumber()) throw n.error("prune.sparsity", "the list must hold numbers, got " + v);
                    double s = v.asDouble();
                    if (!(s >= 0 && s < 1)) throw n.error("prune.sparsity", "must be in [0, 1), got " + s);
                    if (sweep.contains(s)) throw n.error("prune.sparsity", "sparsity " + s + " is listed twice");
                    sweep.add(s);
                }
                sparsity = Double.NaN;
            } else {
                sparsity = p.number("sparsity", 0.95);
                if (!(sparsity >= 0 && sparsity < 1)) throw n.error("prune.sparsity", "must be in [0, 1), got " + sparsity);
            }
            prune = Optional.of(new PruneSpec(method, sparsity, p.integer("rewind_epoch", 8, 0)));
        }
        List<MethodSpec> methods = new ArrayList<>();
        methods.add(new MethodSpec(RETRAIN, Map.of()));
        JsonNode ms = root.get("methods");
        if (ms == null || !ms.isArray() || ms.isEmpty()) throw n.error("methods", "must be a non-empty list of method names or {name, options}");
        for (JsonNode m : ms) {
            MethodSpec spec;
            if (m.isTextual()) spec = new MethodSpec(m.asText(), Map.of());
            else if (m.isObject()) {
                Node mn = new Node(m, where, "methods[].");
                mn.allow("name", "options");
                Map<String, String> options = new LinkedHashMap<>();
                JsonNode o = m.get("options");
                if (o != null) {
                    if (!o.isObject()) throw n.error("methods[].options", "must be a map of option: value");
                    for (var e : o.properties()) {
                        JsonNode v = e.getValue();
                        if (!v.isValueNode() || v.isNull()) throw n.error("methods[].options." + e.getKey(), "must be a number, text or boolean");
                        // numbers in their plain decimal form, the same whether JSON or YAML wrote 1e-4 or 0.0001
                        options.put(e.getKey(), v.isNumber() ? v.decimalValue().stripTrailingZeros().toPlainString() : v.asText());
                    }
                }
                spec = new MethodSpec(mn.requiredText("name"), options);
            } else throw n.error("methods", "entries are method names or {name, options}, got " + m);
            if (spec.name().equals(RETRAIN) && spec.options().isEmpty()) continue;   // always run
            if (methods.stream().anyMatch(x -> x.label().equals(spec.label())))
                throw n.error("methods", "'" + spec.label() + "' is listed twice");
            methods.add(spec);
        }
        List<Long> seeds = new ArrayList<>();
        JsonNode ss = root.get("seeds");
        if (ss == null) seeds.add(0L);
        else {
            if (!ss.isArray() || ss.isEmpty()) throw n.error("seeds", "must be a non-empty list of integers");
            for (JsonNode s : ss) {
                if (!s.canConvertToLong() || !s.isIntegralNumber()) throw n.error("seeds", "must be integers, got " + s);
                if (seeds.contains(s.asLong())) throw n.error("seeds", "seed " + s.asLong() + " is listed twice");
                seeds.add(s.asLong());
            }
        }
        int evalBatch = 256;
        String mia = "confidence";
        if (n.has("eval")) {
            Node e = n.child("eval");
            e.allow("batch_size", "mia_feature");
            evalBatch = e.integer("batch_size", 256, 1);
            mia = e.text("mia_feature", "confidence");
            if (!Set.of("confidence", "entropy").contains(mia)) throw n.error("eval.mia_feature", "must be confidence or entropy, got '" + mia + "'");
        }
        Optional<TuneSpec> tune = Optional.empty();
        if (n.has("tune")) {
            Node t = n.child("tune");
            t.allow("methods", "budget", "target", "seed");
            List<String> names = new ArrayList<>();
            JsonNode tm = t.node().get("methods");
            if (tm != null && !tm.isNull()) {
                if (!tm.isArray() || tm.isEmpty()) throw n.error("tune.methods", "must be a non-empty list of method names");
                for (JsonNode x : tm) {
                    if (!x.isTextual()) throw n.error("tune.methods", "must be method names, got " + x);
                    String m = x.asText();
                    if (m.equals(RETRAIN)) throw n.error("tune.methods", "retrain has nothing to tune (it is the gold standard)");
                    if (methods.stream().noneMatch(s -> s.name().equals(m)))
                        throw n.error("tune.methods", "'" + m + "' is not one of the config's methods " + methods.stream().map(MethodSpec::name).toList());
                    names.add(m);
                }
            }
            double target = t.number("target", Double.NaN);
            if (t.has("target") && !(target >= 0 && target <= 1)) throw n.error("tune.target", "must be in [0, 1], got " + target);
            tune = Optional.of(new TuneSpec(names, t.integer("budget", 8, 1), target, t.integer("seed", 0, 0)));
        }
        return new ExperimentConfig(name, dataset, trainSubset, testSubset, model, base, train, forget, prune, List.copyOf(methods),
                List.copyOf(seeds), evalBatch, mia, poison, List.copyOf(sweep), tune);
    }

    private static TrainConfig trainConfig(Node n) {
        Node t = n.has("train") ? n.child("train") : new Node(JsonMapper.builder().build().createObjectNode(), n.where, "train.");
        t.allow("preset", "epochs", "optimizer", "lr", "weight_decay", "momentum", "batch_size", "augment", "warmup_epochs", "workers");
        try {
            TrainConfig base = TrainConfig.preset(t.text("preset", "ssd"), t.integer("epochs", 10, 1));
            var b = base.toBuilder();
            if (t.has("optimizer")) b.optimizer(switch (t.requiredText("optimizer")) {
                case "sgd" -> TrainConfig.OptimizerKind.SGD;
                case "adamw" -> TrainConfig.OptimizerKind.ADAMW;
                default -> throw n.error("train.optimizer", "must be sgd or adamw");
            });
            if (t.has("lr")) b.lr(t.number("lr", 0));
            if (t.has("weight_decay")) b.weightDecay(t.number("weight_decay", 0));
            if (t.has("momentum")) b.momentum(t.number("momentum", 0));
            if (t.has("batch_size")) b.batchSize(t.integer("batch_size", 0, 1));
            if (t.has("augment")) b.augment(t.bool("augment"));
            if (t.has("warmup_epochs")) b.warmupEpochs(t.integer("warmup_epochs", 0, 0));
            if (t.has("workers")) b.workers(t.integer("workers", 0, 0));
            return b.build();
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(n.where) ? e : n.error("train", e.getMessage());
        }
    }

    /** A JSON object with its location, for messages. */
    private record Node(JsonNode node, String where, String prefix) {
        Node {
            if (!node.isObject()) throw new IllegalArgumentException(where + ": " + (prefix.isEmpty() ? "the file" : "'" + prefix.replaceAll("\\.$", "") + "'")
                    + " must be a map of key: value");
        }

        IllegalArgumentException error(String key, String message) {
            return new IllegalArgumentException(where + ": '" + (key.contains(".") || prefix.isEmpty() ? key : prefix + key) + "': " + message);
        }

        void allow(String... keys) {
            Set<String> ok = Set.of(keys);
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!ok.contains(k))
                    throw new IllegalArgumentException(where + ": unknown key '" + prefix + k + "'; known: " + new java.util.TreeSet<>(ok));
            }
        }

        boolean has(String key) { return node.has(key) && !node.get(key).isNull(); }

        Node child(String key) { return new Node(node.get(key), where, prefix + key + "."); }

        String text(String key, String def) {
            if (!has(key)) return def;
            JsonNode v = node.get(key);
            if (!v.isValueNode()) throw error(key, "must be text, got " + v);
            return v.asText();
        }

        String requiredText(String key) {
            if (!has(key)) throw new IllegalArgumentException(where + ": missing '" + prefix + key + "'");
            return text(key, null);
        }

        int integer(String key, int def, int min) {
            if (!has(key)) return def;
            JsonNode v = node.get(key);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw error(key, "must be a whole number, got " + v);
            if (v.asInt() < min) throw error(key, "must be >= " + min + ", got " + v.asInt());
            return v.asInt();
        }

        double number(String key, double def) {
            if (!has(key)) return def;
            JsonNode v = node.get(key);
            if (!v.isNumber()) throw error(key, "must be a number, got " + v);
            return v.asDouble();
        }

        boolean bool(String key) {
            JsonNode v = node.get(key);
            if (!v.isBoolean()) throw error(key, "must be true or false, got " + v);
            return v.asBoolean();
        }
    }
}
