// One unlearning method: given a trained model (modified in place — pass a copy to keep the original) and the
// context's data, make the model forget Df. Implementations declare what data they need; run() checks it,
// times the call and returns the result record. Registered by name in Unlearners.
package ai.lethe.unlearn;

import ai.lethe.models.ImageModel;
import ai.lethe.nn.Masks;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

public interface Unlearner {
    /** The registry name, e.g. "ssd", "ft", "retrain". */
    String name();

    /** The data this method needs. */
    Set<Requirement> requires();

    /** The method's configuration as JSON (for results and reports). */
    String configJson();

    /** Makes {@code model} forget, appending human-readable notes to {@code log}. */
    void apply(ImageModel model, UnlearnContext context, List<String> log);

    /**
     * Checks the context, runs {@link #apply}, sets the model's pruned weights back to exactly zero (so no method
     * has to: noise and Newton steps write to them) and measures the wall-clock time of both.
     */
    default UnlearnResult run(ImageModel model, UnlearnContext context) {
        context.check(name(), requires());
        List<String> log = new ArrayList<>();
        long t0 = System.nanoTime();
        apply(model, context, log);
        Masks.reapply(model);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new UnlearnResult(name(), configJson(), context.seed(), seconds, log);
    }
}
