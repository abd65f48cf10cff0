// A transfer study written as a file (`lethe transfer --config FILE`, YAML or JSON): the keys are `lethe transfer`'s
// options without the leading dashes, '_' or '-' between words (target_classes: 6-9 is --target-classes 6-9); a
// true boolean is the flag, false leaves it out; `options` is a map of the method's options (-o KEY=VALUE each); a
// list value is joined with commas (forget_classes: [1, 2]). An optional `train` block holds `lethe train`'s options
// the same way: the source model is trained with them into `model` first when `model` has no trained checkpoint yet,
// so a config runs as it is. Paths are taken as on the command line (relative to the working folder).
//   name: c10-to-c100                       # optional; the default output folder is runs/NAME (NAME: the file's stem)
//   train: {model: resnet18, dataset: cifar10, preset: unlearn-sparse, epochs: 182}
//   model: runs/transfer/c10
//   search_classes: true
//   target_dataset: cifar100
//   method: ssd
//   options: {alpha: 10}
// Unknown keys surface as the command's "Unknown option" usage error, naming the key's option.
package ai.lethe.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * @param name     the study's name (the file's stem unless given)
 * @param train    `lethe train`'s arguments for the source model, when the file has a train block
 * @param transfer `lethe transfer`'s arguments
 * @param model    the source model's path (the model key), or empty
 * @param out      the output folder (the out key), or empty
 */
public record TransferConfig(String name, Optional<List<String>> train, List<String> transfer, Optional<Path> model, Optional<Path> out) {
    public TransferConfig {
        train = train.map(List::copyOf);
        transfer = List.copyOf(transfer);
    }

    /** Reads {@code file}: YAML when it ends in .yaml/.yml, JSON otherwise; an IllegalArgumentException naming the file and key. */
    public static TransferConfig read(Path file) throws IOException {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = lower.endsWith(".yaml") || lower.endsWith(".yml") ? new YAMLMapper() : JsonMapper.builder().build();
        JsonNode root;
        try {
            root = mapper.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid " + (mapper instanceof YAMLMapper ? "YAML" : "JSON") + ": "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": must be a map of option: value");
        String stem = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        String name = root.has("name") ? root.get("name").asText() : stem;
        Optional<List<String>> train = Optional.empty();
        List<String> args = new ArrayList<>();
        for (var e : root.properties()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            switch (key) {
                case "name" -> {
                    if (!v.isTextual() || v.asText().isBlank()) throw error(file, key, "must be a non-empty text");
                }
                case "train" -> {
                    if (!v.isObject()) throw error(file, key, "must be a map of `lethe train` option: value");
                    List<String> t = new ArrayList<>();
                    for (var o : v.properties()) add(t, file, "train." + o.getKey(), o.getKey(), o.getValue());
                    train = Optional.of(t);
                }
                case "options" -> {
                    if (!v.isObject()) throw error(file, key, "must be a map of the method's option: value");
                    for (var o : v.properties()) {
                        if (!o.getValue().isValueNode() || o.getValue().isNull()) throw error(file, "options." + o.getKey(), "must be a number, text or boolean");
                        args.add("-o");
                        args.add(o.getKey() + "=" + scalar(o.getValue()));
                    }
                }
                default -> add(args, file, key, key, v);
            }
        }
        return new TransferConfig(name, train, args, path(root, "model"), path(root, "out"));
    }

    private static Optional<Path> path(JsonNode root, String key) {
        JsonNode n = root.get(key);
        return n != null && n.isTextual() ? Optional.of(Path.of(n.asText())) : Optional.empty();
    }

    /** Appends key's option and value to {@code args}: a flag for true, nothing for false, the value otherwise. */
    private static void add(List<String> args, Path file, String where, String key, JsonNode v) {
        if (!key.matches("[a-z][a-z0-9]*([_-][a-z0-9]+)*")) throw error(file, where, "is not an option name (lower-case words joined by '_' or '-')");
        String option = "--" + key.replace('_', '-');
        if (v.isBoolean()) {
            if (v.asBoolean()) args.add(option);
        } else if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode x : v) {
                if (!x.isValueNode() || x.isNull()) throw error(file, where, "a list must hold numbers or texts, got " + x);
                parts.add(scalar(x));
            }
            if (parts.isEmpty()) throw error(file, where, "an empty list");
            args.add(option);
            args.add(String.join(",", parts));
        } else if (v.isValueNode() && !v.isNull()) {
            args.add(option);
            args.add(scalar(v));
        } else throw error(file, where, "must be a number, text, boolean or list, got " + v);
    }

    /** A value as the command line writes it: numbers in plain decimal form (1e-4 and 0.0001 alike). */
    private static String scalar(JsonNode v) {
        return v.isNumber() ? v.decimalValue().stripTrailingZeros().toPlainString() : v.asText();
    }

    private static IllegalArgumentException error(Path file, String key, String message) {
        return new IllegalArgumentException(file + ": '" + key + "' " + message);
    }
}
