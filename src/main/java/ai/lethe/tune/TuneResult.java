// The outcome of tuning one method: the objective, the keys held fixed (given) and searched, every trial, the
// chosen one, and the options `lethe unlearn` takes (the given ones and the chosen values). Written to a folder as
//   tune.json     {method, objective, plan, given, searched, chosen, reached, best (the trial), trials: count}
//   options.txt   the options as command-line text: -o k=v -o k=v
// (the trials themselves are in trials.jsonl, written by the Tuner as they run). read() gives the chosen options
// back, so an interrupted experiment does not tune again.
package ai.lethe.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public record TuneResult(String method, String objective, String plan, Map<String, String> given, List<String> searched,
                         List<Trial> trials, int best, boolean reached) {
    public static final String JSON_FILE = "tune.json", OPTIONS_FILE = "options.txt", TRIALS_FILE = "trials.jsonl";
    static final JsonMapper JSON = JsonMapper.builder().build();

    public TuneResult {
        given = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(given));
        searched = List.copyOf(searched);
        trials = List.copyOf(trials);
        if (best < 0 || best >= trials.size()) throw new IllegalArgumentException("tune: no trial was run for " + method);
    }

    /** The options to unlearn with: the given ones, then the chosen trial's searched values. */
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>(given);
        m.putAll(trials.get(best).options());
        return m;
    }

    /** The chosen trial. */
    public Trial bestTrial() { return trials.get(best); }

    /** The options as `lethe unlearn` takes them: "-o k=v -o k=v". */
    public String commandLine() { return commandLine(options()); }

    public static String commandLine(Map<String, String> options) {
        StringBuilder b = new StringBuilder();
        options.forEach((k, v) -> b.append(b.isEmpty() ? "" : " ").append("-o ").append(k).append('=').append(v));
        return b.toString();
    }

    /** Writes tune.json and options.txt into {@code dir}. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("objective", objective);
        m.put("plan", plan);
        m.put("given", given);
        m.put("searched", searched);
        m.put("chosen", options());
        m.put("reached", reached);
        m.put("best", Tuner.trialMap(method, bestTrial(), options()));
        m.put("trials", trials.size());
        ai.lethe.io.AtomicFiles.write(dir.resolve(OPTIONS_FILE), (commandLine() + "\n").getBytes(StandardCharsets.UTF_8));
        ai.lethe.io.AtomicFiles.write(dir.resolve(JSON_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The chosen options recorded in {@code dir}/tune.json (IOException naming the file when it is not one). */
    public static Map<String, String> readChosen(Path dir) throws IOException {
        Path f = dir.resolve(JSON_FILE);
        JsonNode root = JSON.readTree(Files.readString(f));
        JsonNode chosen = root == null ? null : root.get("chosen");
        if (chosen == null || !chosen.isObject()) throw new IOException(f + ": not a tune.json (no \"chosen\" options)");
        Map<String, String> m = new LinkedHashMap<>();
        chosen.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }
}
