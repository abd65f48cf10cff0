// Weights that no trained model has: NaN or infinite values in a floating-point tensor of a state dict, and
// negative values in a BatchNorm running_var (a variance, so >= 0). Checkpoint.loadModel warns about them after
// loading a checkpoint, naming the file and each tensor with what is wrong, because every result computed with
// such weights (accuracy, Fisher, unlearning) is meaningless. Loading still succeeds — a warning, not a refusal —
// so that such a model can be inspected or repaired.
package ai.lethe.io;

import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

final class CheckpointHealth {
    private CheckpointHealth() {}

    /** One line per tensor of {@code state} with values a trained model never has; empty when all are plausible. */
    static List<String> problems(Map<String, Tensor> state) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            Tensor t = e.getValue();
            if (!t.dtype().isFloatingPoint() || t.numel() == 0) continue;
            double[] v = t.toDoubleArray();
            long nan = 0, inf = 0, negative = 0;
            double lowest = 0;
            for (double x : v) {
                if (Double.isNaN(x)) nan++;
                else if (Double.isInfinite(x)) inf++;
                else if (x < 0) {
                    negative++;
                    lowest = Math.min(lowest, x);
                }
            }
            List<String> what = new ArrayList<>();
            if (nan > 0) what.add(nan + " NaN");
            if (inf > 0) what.add(inf + " infinite");
            boolean variance = e.getKey().equals("running_var") || e.getKey().endsWith(".running_var");
            if (variance && negative > 0) what.add(String.format(Locale.ROOT, "%d negative (down to %.4g; a BatchNorm variance is >= 0)",
                    negative, lowest));
            if (!what.isEmpty())
                out.add("'" + e.getKey() + "' " + t.shape() + " has " + String.join(" and ", what) + " of " + v.length + " values");
        }
        return out;
    }

    /** The warning for {@code file}'s {@code problems}. */
    static String warning(java.nio.file.Path file, List<String> problems) {
        return file + ": the loaded weights hold values no trained model has: " + String.join("; ", problems)
                + ". Results computed with them are meaningless; use another checkpoint or retrain.";
    }
}
