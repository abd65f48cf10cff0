// The pruning methods of "Model Sparsity Can Simplify Machine Unlearning" (ALGORITHMS.md, "Pruning"): one-shot
// magnitude pruning with rewinding (OMP), iterative magnitude pruning (IMP) and SynFlow at initialisation.
package ai.lethe.prune;

import java.util.Arrays;
import java.util.Locale;

public enum Pruner {
    /** Train dense, prune globally by |w| to the target, rewind to epoch k, retrain with the mask. */
    OMP,
    /** Rounds of {train, prune 20% of the remaining by |w|, rewind to epoch k} until the target; then retrain. */
    IMP,
    /** Data-free SynFlow at initialisation (100 rounds), then train with the mask. */
    SYNFLOW;

    /** The command-line name: "omp", "imp" or "synflow". */
    public String cliName() { return name().toLowerCase(Locale.ROOT); }

    /** The method named {@code name} (case-insensitive). */
    public static Pruner parse(String name) {
        for (Pruner p : values()) if (p.cliName().equalsIgnoreCase(name == null ? "" : name.trim())) return p;
        throw new IllegalArgumentException("unknown pruning method '" + name + "'; known: "
                + String.join(", ", Arrays.stream(values()).map(Pruner::cliName).toList()));
    }
}
