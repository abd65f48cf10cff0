// Parses and validates an OptimizerState against an optimizer before anything is changed: every key must be
// known, every index in range, every tensor of its parameter's shape, each parameter's state complete, and
// the groups' hyper-parameters valid. Failures are IllegalArgumentExceptions that name the offending key.
package ai.lethe.optim;

import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

final class StateLoad<O extends GroupOptions<O>> {
    private final Optimizer<O> opt;
    private final Map<Integer, Map<String, Tensor>> tensors = new TreeMap<>();
    private final Map<Integer, Long> steps = new TreeMap<>();
    private final Map<Integer, Double> initialLrs = new TreeMap<>();
    private final List<O> options = new ArrayList<>();

    StateLoad(Optimizer<O> opt, OptimizerState state) {
        this.opt = opt;
        state.tensors().forEach(this::tensor);
        Map<Integer, Map<String, Double>> groupScalars = new TreeMap<>();
        state.scalars().forEach((key, value) -> scalar(key, value, groupScalars));
        checkComplete();
        for (int g = 0; g < opt.groups().size(); g++) {
            Map<String, Double> given = groupScalars.getOrDefault(g, Map.of());
            options.add(opt.group(g).options().withScalars(given, "param_groups." + g + "."));
        }
    }

    /** Per parameter index, its state tensors by name (validated, not yet copied). */
    Map<Integer, Map<String, Tensor>> tensors() { return tensors; }

    Map<Integer, Long> steps() { return steps; }

    /** Indices of the parameters the state gives anything for, ascending. */
    Set<Integer> paramsWithState() {
        Set<Integer> all = new TreeSet<>(tensors.keySet());
        all.addAll(steps.keySet());
        return all;
    }

    Map<Integer, Double> initialLrs() { return initialLrs; }

    /** The new options of every group (the current ones where the state gives none). */
    List<O> options() { return options; }

    private void tensor(String key, Tensor t) {
        String[] parts = key.split("\\.", 3);
        if (parts.length != 3 || !parts[0].equals("state"))
            throw bad(key, "not a state tensor key; expected state.<parameter index>.<name>");
        int i = paramIndex(key, parts[1]);
        if (!opt.stateTensorNames().contains(parts[2]))
            throw bad(key, "unknown state tensor '" + parts[2] + "' for " + opt.name() + " (known: "
                    + new TreeSet<>(opt.stateTensorNames()) + ")");
        if (t.isClosed()) throw bad(key, "the tensor was closed");
        if (!t.dtype().isFloatingPoint()) throw bad(key, "dtype " + t.dtype() + "; expected a floating-point tensor");
        Tensor p = opt.parameters().get(i);
        if (!t.shape().equals(p.shape()))
            throw bad(key, "shape " + t.shape() + " does not match the shape " + p.shape() + " of parameter " + i);
        tensors.computeIfAbsent(i, k -> new LinkedHashMap<>()).put(parts[2], t);
    }

    private void scalar(String key, double value, Map<Integer, Map<String, Double>> groupScalars) {
        String[] parts = key.split("\\.", 3);
        if (parts.length == 3 && parts[0].equals("state") && parts[2].equals("step")) {
            int i = paramIndex(key, parts[1]);
            if (!opt.countsSteps()) throw bad(key, opt.name() + " keeps no step counter");
            if (!(value >= 0) || value != Math.rint(value) || value > 1L << 53)
                throw bad(key, "a step count must be a whole number >= 0, got " + value);
            steps.put(i, (long) value);
        } else if (parts.length == 3 && parts[0].equals("param_groups")) {
            int g = index(key, parts[1], opt.groups().size(), "parameter group");
            String name = parts[2];
            if (name.equals("initial_lr")) {
                if (!(value >= 0) || Double.isInfinite(value)) throw bad(key, "must be a finite number >= 0, got " + value);
                initialLrs.put(g, value);
            } else if (name.startsWith("params.")) {
                List<Tensor> ps = opt.group(g).params();
                int k = index(key, name.substring("params.".length()), ps.size(), "position in group " + g);
                int expected = opt.indexOfParam(ps.get(k));
                if (value != expected)
                    throw bad(key, "the state puts parameter " + fmt(value) + " there, this optimizer has parameter " + expected);
            } else {
                groupScalars.computeIfAbsent(g, k -> new LinkedHashMap<>()).put(name, value);
            }
        } else {
            throw bad(key, "not an optimizer state key; expected state.<i>.<name> or param_groups.<g>.<name>");
        }
    }

    /** A parameter with any state must have all of it (every tensor, and the step where steps are counted). */
    private void checkComplete() {
        for (int i : paramsWithState()) {
            for (String name : new TreeSet<>(opt.stateTensorNames()))
                if (!tensors.getOrDefault(i, Map.of()).containsKey(name))
                    throw bad("state." + i + "." + name, "missing, while other state of parameter " + i + " is given");
            if (opt.countsSteps() && !steps.containsKey(i))
                throw bad("state." + i + ".step", "missing, while other state of parameter " + i + " is given");
        }
    }

    private int paramIndex(String key, String text) {
        return index(key, text, opt.parameters().size(), "parameter index");
    }

    private static int index(String key, String text, int size, String what) {
        int i;
        try {
            i = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw bad(key, what + " '" + text + "' is not a number");
        }
        if (i < 0 || i >= size) throw bad(key, what + " " + i + " is out of range [0, " + size + ")");
        return i;
    }

    private static String fmt(double v) { return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v); }

    private static IllegalArgumentException bad(String key, String why) {
        return new IllegalArgumentException("loadState: " + key + ": " + why);
    }
}
