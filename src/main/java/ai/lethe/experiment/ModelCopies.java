// Independent copies of a model — weights, buffers, pruning masks and mode — so that every unlearning run starts
// from the same original and the original is never modified (methods work in place).
package ai.lethe.experiment;

import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.nn.Masks;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Tensor;

public final class ModelCopies {
    private ModelCopies() {}

    /** A deep copy of {@code model} on its device (the caller closes it). */
    public static ImageModel copy(ImageModel model) {
        Tensor first = model.parameters().getFirst();
        ImageModel c = Models.create(model.config(), new Generator(0)).to(first.device());
        try (var _ = GradMode.noGrad()) {
            c.loadStateDict(model.stateDict(), true);
            for (var e : Masks.of(model).entrySet()) Masks.set(c, e.getKey(), e.getValue().copy());
        }
        c.train(model.isTraining());
        return c;
    }
}
