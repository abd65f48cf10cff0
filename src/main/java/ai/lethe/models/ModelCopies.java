// Independent copies of a model — weights, buffers, pruning masks and mode — so that every unlearning run (an
// experiment's cell, a tuner's trial, a transfer study's candidate) starts from the same original and the original
// is never modified (methods work in place).
package ai.lethe.models;

import ai.lethe.nn.Masks;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

public final class ModelCopies {
    private ModelCopies() {}

    /**
     * A deep copy of {@code model} on its device (the caller closes it). The masks are installed together
     * ({@link Masks#setAll}: one device read for all of them, not one per tensor).
     */
    public static ImageModel copy(ImageModel model) {
        Tensor first = model.parameters().getFirst();
        ImageModel c = Models.create(model.config(), new Generator(0)).to(first.device());
        try (var _ = GradMode.noGrad()) {
            c.loadStateDict(model.stateDict(), true);
            Map<String, Tensor> masks = new LinkedHashMap<>();
            for (var e : Masks.of(model).entrySet()) masks.put(e.getKey(), e.getValue().copy());
            if (!masks.isEmpty()) Masks.setAll(c, masks);
        }
        c.train(model.isTraining());
        return c;
    }
}
