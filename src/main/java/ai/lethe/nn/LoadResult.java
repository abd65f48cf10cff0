// What Module.loadStateDict found: keys the model has but the state dict lacks, keys the state dict has but
// the model lacks, and keys present in both with different shapes (not copied). All empty after a clean load.
package ai.lethe.nn;

import ai.lethe.core.Shape;
import java.util.List;

public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys, List<ShapeMismatch> shapeMismatches) {
    /** A key whose tensor in the state dict has another shape than the model's. */
    public record ShapeMismatch(String key, Shape modelShape, Shape stateDictShape) {}

    public LoadResult {
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
        shapeMismatches = List.copyOf(shapeMismatches);
    }

    /** Whether every key matched. */
    public boolean isClean() { return missingKeys.isEmpty() && unexpectedKeys.isEmpty() && shapeMismatches.isEmpty(); }
}
