// The cells of an experiment for a Slurm array job: one per sparsity × forget request × seed × method, numbered
// 0..N-1 in that nesting order (sparsity outermost, in the config's order; then the request; then the seed; then
// the method, Retrain first) — the order a whole `lethe experiment` run takes, so cell K is the same run on every
// machine and after every re-read of the same config. A config without a sparsity list has one sparsity slot (its
// own pruning or none; folder ""), and a config names one forget request, so today the request slot is one wide.
// Also the "prepare units": one per sparsity (the folder whose original, pruned copy and tuned options its cells
// share). cells.json lists both, so that a cell run can refuse a config whose numbering changed.
//   {"format": "lethe-cells/1", "experiment": NAME, "prepare": [{"unit": 0, "folder": "sparsity-0.75"}, ...],
//    "cells": [{"cell": 0, "sparsity": 0.75 | null, "folder": "sparsity-0.75", "request": "class=3", "seed": 0,
//               "method": "retrain", "result": "sparsity-0.75/runs/retrain/seed-0/unlearn.json"}, ...]}
package ai.lethe.experiment;

import ai.lethe.experiment.ExperimentConfig.MethodSpec;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

public final class SweepCells {
    public static final String FORMAT = "lethe-cells/1";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SweepCells() {}

    /**
     * One cell: its number, the sweep's sparsity (NaN when the config is not a sweep), the sub-folder of the
     * experiment it belongs to ("" or "sparsity-S"), the forget request, the seed and the method's label.
     */
    public record Cell(int index, double sparsity, String folder, String request, long seed, String method) {
        /** The cell's result file, relative to the output folder. */
        public String result() {
            return (folder.isEmpty() ? "" : folder + "/") + "runs/" + Experiment.folderName(method) + "/seed-" + seed + "/unlearn.json";
        }

        /** "ssd seed 1" or "ssd seed 1 at sparsity 0.9". */
        public String describe() {
            return method + " seed " + seed + (Double.isNaN(sparsity) ? "" : " at sparsity " + sparsity);
        }
    }

    /** The sub-folders of the prepare units, in order: [""] for a single experiment, one per sparsity for a sweep. */
    public static List<String> prepareFolders(ExperimentConfig config) {
        return config.isSweep() ? config.sweep().stream().map(SparsitySweep::folder).toList() : List.of("");
    }

    /** The cells of {@code config}, numbered in the nesting order above. */
    public static List<Cell> of(ExperimentConfig config) {
        List<Double> sparsities = config.isSweep() ? config.sweep() : List.of(Double.NaN);
        List<String> requests = List.of(config.forget());
        List<Cell> cells = new ArrayList<>();
        for (double s : sparsities)
            for (String request : requests)
                for (long seed : config.seeds())
                    for (MethodSpec m : config.methods())
                        cells.add(new Cell(cells.size(), s, Double.isNaN(s) ? "" : SparsitySweep.folder(s), request, seed, m.label()));
        return List.copyOf(cells);
    }

    /** cells.json's text for {@code config}. */
    public static String toJson(ExperimentConfig config) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("experiment", config.name());
        var prepare = root.putArray("prepare");
        List<String> folders = prepareFolders(config);
        for (int u = 0; u < folders.size(); u++) prepare.addObject().put("unit", u).put("folder", folders.get(u));
        var cells = root.putArray("cells");
        for (Cell c : of(config)) {
            ObjectNode o = cells.addObject();
            o.put("cell", c.index());
            if (Double.isNaN(c.sparsity())) o.putNull("sparsity");
            else o.put("sparsity", c.sparsity());
            o.put("folder", c.folder());
            o.put("request", c.request());
            o.put("seed", c.seed());
            o.put("method", c.method());
            o.put("result", c.result());
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks that {@code json} (a cells.json written earlier) numbers the cells as {@code config} does now; an
     * IllegalArgumentException naming the first difference otherwise (the config changed after the job was written).
     */
    public static void checkSame(ExperimentConfig config, String json, String where) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !FORMAT.equals(root.path("format").asText()))
            throw new IllegalArgumentException(where + ": not a " + FORMAT + " file");
        JsonNode written = root.get("cells");
        List<Cell> now = of(config);
        if (written == null || !written.isArray() || written.size() != now.size())
            throw new IllegalArgumentException(where + " lists " + (written == null ? 0 : written.size()) + " cells but the config has "
                    + now.size() + " now; the config changed after the job was written: write it again (--slurm) into a new folder");
        for (int k = 0; k < now.size(); k++) {
            Cell c = now.get(k);
            JsonNode w = written.get(k);
            if (!w.path("method").asText().equals(c.method()) || w.path("seed").asLong(Long.MIN_VALUE) != c.seed()
                    || !w.path("folder").asText().equals(c.folder()) || !w.path("request").asText().equals(c.request()))
                throw new IllegalArgumentException(where + ": cell " + k + " is " + w.path("method").asText() + " seed " + w.path("seed").asText()
                        + " there but " + c.describe() + " in the config now; the config changed after the job was written");
        }
    }
}
