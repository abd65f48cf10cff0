// Reads the PyTorch fixtures written by tools/reference/optim_fixtures.py (format described there) from
// src/test/resources/optim/: optimizer cases (parameters, gradients, parameters after each step) and
// scheduler cases (lr and momentum per epoch).
package ai.lethe.optim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public final class Fixtures {
    private Fixtures() {}

    /** A parameter group: global parameter indices and hyper-parameter overrides (PyTorch names). */
    public record Group(int[] params, Map<String, Double> overrides) {}

    public record Param(long[] shape, float[] values) {}

    /** One optimizer case; grads.get(step).get(param) is absent where PyTorch's grad was None. */
    public record OptimizerCase(String name, String kind, Map<String, String> defaults, List<Group> groups,
                                List<Param> params, int steps, Map<Integer, Map<Integer, float[]>> grads,
                                Map<Integer, Map<Integer, float[]>> expected) {
        @Override public String toString() { return name; }
    }

    /** A scheduler case: optimizer kind and group lrs, scheduler kind and args, sub-schedulers, rows per group. */
    public record SchedulerCase(String name, String optimizerKind, double[] groupLrs, Map<String, String> optimizerArgs,
                                String kind, Map<String, String> args, List<Map.Entry<String, Map<String, String>>> subs,
                                List<double[]> lrs, List<double[]> momenta) {
        @Override public String toString() { return name; }
    }

    public static List<OptimizerCase> optimizerCases() {
        List<OptimizerCase> out = new ArrayList<>();
        for (List<String[]> c : cases("optimizers.txt")) {
            String name = c.getFirst()[1], kind = null;
            Map<String, String> defaults = null;
            List<Group> groups = new ArrayList<>();
            List<Param> params = new ArrayList<>();
            Map<Integer, Map<Integer, float[]>> grads = new TreeMap<>(), expected = new TreeMap<>();
            int steps = 0;
            for (String[] t : c.subList(1, c.size())) {
                switch (t[0]) {
                    case "optimizer" -> { kind = t[1]; defaults = kv(t, 2); }
                    case "group" -> {
                        Map<String, String> m = kv(t, 2);
                        int[] idx = Arrays.stream(m.remove("params").split(",")).mapToInt(Integer::parseInt).toArray();
                        Map<String, Double> over = new LinkedHashMap<>();
                        m.forEach((k, v) -> over.put(k, Double.parseDouble(v)));
                        groups.add(new Group(idx, over));
                    }
                    case "param" -> params.add(new Param(Arrays.stream(t[2].split(",")).mapToLong(Long::parseLong).toArray(), floats(t, 3)));
                    case "grad" -> grads.computeIfAbsent(Integer.parseInt(t[1]), k -> new TreeMap<>()).put(Integer.parseInt(t[2]), floats(t, 3));
                    case "expect" -> {
                        int s = Integer.parseInt(t[1]);
                        steps = Math.max(steps, s + 1);
                        expected.computeIfAbsent(s, k -> new TreeMap<>()).put(Integer.parseInt(t[2]), floats(t, 3));
                    }
                    default -> throw new IllegalStateException("optimizers.txt: unknown record " + t[0]);
                }
            }
            out.add(new OptimizerCase(name, kind, defaults, groups, params, steps, grads, expected));
        }
        return out;
    }

    public static List<SchedulerCase> schedulerCases() {
        List<SchedulerCase> out = new ArrayList<>();
        for (List<String[]> c : cases("schedulers.txt")) {
            String name = c.getFirst()[1], optKind = null, kind = null;
            double[] lrs = null;
            Map<String, String> optArgs = null, args = null;
            List<Map.Entry<String, Map<String, String>>> subs = new ArrayList<>();
            List<double[]> lrRows = new ArrayList<>(), momRows = new ArrayList<>();
            for (String[] t : c.subList(1, c.size())) {
                switch (t[0]) {
                    case "optimizer" -> {
                        optKind = t[1];
                        optArgs = kv(t, 2);
                        lrs = doubles(optArgs.remove("lrs"));
                    }
                    case "scheduler" -> { kind = t[1]; args = kv(t, 2); }
                    case "sub" -> subs.add(Map.entry(t[1], kv(t, 2)));
                    case "lr" -> lrRows.add(doubles(t, 2));
                    case "momentum" -> momRows.add(doubles(t, 2));
                    default -> throw new IllegalStateException("schedulers.txt: unknown record " + t[0]);
                }
            }
            out.add(new SchedulerCase(name, optKind, lrs, optArgs, kind, args, subs, lrRows, momRows));
        }
        return out;
    }

    public static SchedulerCase schedulerCase(String name) {
        return schedulerCases().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no scheduler fixture " + name));
    }

    public static double[] doubles(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    private static double[] doubles(String[] t, int from) {
        return Arrays.stream(t, from, t.length).mapToDouble(Double::parseDouble).toArray();
    }

    private static float[] floats(String[] t, int from) {
        float[] f = new float[t.length - from];
        for (int i = 0; i < f.length; i++) f[i] = (float) Double.parseDouble(t[from + i]);
        return f;
    }

    private static Map<String, String> kv(String[] t, int from) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = from; i < t.length; i++) {
            int eq = t[i].indexOf('=');
            m.put(t[i].substring(0, eq), t[i].substring(eq + 1));
        }
        return m;
    }

    /** The records of each case, from its `case` line to before its `end`. */
    private static List<List<String[]>> cases(String file) {
        var in = Fixtures.class.getResourceAsStream("/optim/" + file);
        if (in == null) throw new IllegalStateException("missing test resource optim/" + file);
        List<List<String[]>> out = new ArrayList<>();
        try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<String[]> current = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] t = line.trim().split(" +");
                if (t[0].equals("case")) current = new ArrayList<>();
                if (t[0].equals("end")) { out.add(current); current = null; continue; }
                current.add(t);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
