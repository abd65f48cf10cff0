// The results of an unlearning experiment: a title, the setup (dataset, model, split, recipe... as key/value
// text, in order) and the runs (one per method and seed). report.json holds all of it plus the per-method summary
// (Summaries), so an interrupted experiment can be re-rendered: Report.read(dir or file) reads the runs back and
// the summary is recomputed. JSON: {"format": "lethe-report/1", "title", "setup": {..}, "runs": [{"method",
// "seed", "seconds", "sparsity", "metrics": {MetricSet}}], "hyperParameters" (when known: method → "defaults", "given"
// or "tuned (k=v, ...)"), "summary": [{"method", "runs", "<metric>": {"mean",
// "std", "count"}}]}; NaN is written as null.
package ai.lethe.report;

import ai.lethe.eval.MetricSet;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public record Report(String title, Map<String, String> setup, List<MethodRun> runs, Map<String, String> hyperParameters) {
    public static final String FORMAT = "lethe-report/1";
    public static final String JSON_FILE = "report.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public Report {
        if (title == null) throw new IllegalArgumentException("Report: title must not be null");
        setup = Collections.unmodifiableMap(new LinkedHashMap<>(setup == null ? Map.of() : setup));
        runs = List.copyOf(runs == null ? List.of() : runs);
        hyperParameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperParameters == null ? Map.of() : hyperParameters));
    }

    /** Without the per-method hyper-parameter sources. */
    public Report(String title, Map<String, String> setup, List<MethodRun> runs) { this(title, setup, runs, Map.of()); }

    /** This report with one more run (for experiments that write the report after every run). */
    public Report with(MethodRun run) {
        List<MethodRun> more = new ArrayList<>(runs);
        more.add(run);
        return new Report(title, setup, more, hyperParameters);
    }

    /** Whether any run measured the attack success rate (a backdoored model's data): the ASR columns and charts show then. */
    public boolean hasAttackSuccess() { return runs.stream().anyMatch(r -> r.metrics().hasAttackSuccess()); }

    /** The per-method summary (see Summaries). */
    public List<MethodSummary> summary() { return Summaries.of(this); }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("title", title);
        ObjectNode s = root.putObject("setup");
        setup.forEach(s::put);
        if (!hyperParameters.isEmpty()) {
            ObjectNode h = root.putObject("hyperParameters");
            hyperParameters.forEach(h::put);
        }
        ArrayNode rs = root.putArray("runs");
        for (MethodRun r : runs) {
            ObjectNode o = rs.addObject();
            o.put("method", r.method());
            o.put("seed", r.seed());
            number(o, "seconds", r.seconds());
            number(o, "sparsity", r.sparsity());
            o.set("metrics", r.metrics().toJsonNode());
        }
        ArrayNode sum = root.putArray("summary");
        for (MethodSummary m : summary()) {
            ObjectNode o = sum.addObject();
            o.put("method", m.method());
            o.put("runs", m.runs());
            stat(o, "ua", m.ua());
            stat(o, "miaEfficacy", m.miaEfficacy());
            stat(o, "ra", m.ra());
            stat(o, "ta", m.ta());
            stat(o, "forgetTestAccuracy", m.forgetTestAccuracy());
            stat(o, "ssdMia", m.ssdMia());
            stat(o, "zrf", m.zrf());
            stat(o, "seconds", m.seconds());
            stat(o, "rteRatio", m.rteRatio());
            stat(o, "gapToRetrain", m.gap());
            stat(o, "sparsity", m.sparsity());
            if (m.asr().defined() || m.asrNonTarget().defined()) {
                stat(o, "asr", m.asr());
                stat(o, "asrNonTarget", m.asrNonTarget());
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    private static void stat(ObjectNode o, String key, Stat s) {
        ObjectNode n = o.putObject(key);
        number(n, "mean", s.mean());
        number(n, "std", s.std());
        n.put("count", s.count());
    }

    /** Parses {@link #toJson()}'s form (the summary is ignored: it is recomputed from the runs). */
    public static Report fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Report.fromJson: not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("Report.fromJson: not a JSON object");
        String format = root.path("format").asText(null);
        if (!FORMAT.equals(format)) throw new IllegalArgumentException("Report.fromJson: format is '" + format + "', expected '" + FORMAT + "'");
        Map<String, String> setup = new LinkedHashMap<>();
        root.path("setup").properties().forEach(e -> setup.put(e.getKey(), e.getValue().asText()));
        JsonNode rs = root.get("runs");
        if (rs == null || !rs.isArray()) throw new IllegalArgumentException("Report.fromJson: \"runs\" is missing or not an array");
        List<MethodRun> runs = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            JsonNode r = rs.get(i);
            if (!r.path("method").isTextual() || !r.path("seed").isIntegralNumber())
                throw new IllegalArgumentException("Report.fromJson: runs[" + i + "] needs a \"method\" string and a whole \"seed\"");
            runs.add(new MethodRun(r.get("method").asText(), r.get("seed").asLong(), MetricSet.fromJsonNode(r.get("metrics")),
                    orNaN(r.get("seconds")), orNaN(r.get("sparsity"))));
        }
        Map<String, String> hyper = new LinkedHashMap<>();
        root.path("hyperParameters").properties().forEach(e -> hyper.put(e.getKey(), e.getValue().asText()));
        return new Report(root.path("title").asText(""), setup, runs, hyper);
    }

    private static double orNaN(JsonNode n) { return n == null || n.isNull() ? Double.NaN : n.asDouble(); }

    /** Reads report.json from {@code path} (the file, or the folder that holds it). */
    public static Report read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(JSON_FILE) : path;
        try {
            return fromJson(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException("report " + file + ": " + e.getMessage(), e);
        }
    }
}
