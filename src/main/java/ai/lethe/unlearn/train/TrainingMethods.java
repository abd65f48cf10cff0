// Registers the training-based unlearning methods with the Unlearners registry under their names.
package ai.lethe.unlearn.train;

import ai.lethe.unlearn.Unlearners;

public final class TrainingMethods {
    private TrainingMethods() {}

    /** The names registerAll() registers. */
    public static final java.util.List<String> NAMES = java.util.List.of(FineTune.NAME, GradientAscent.NAME, RandomLabel.NAME,
            L1Sparse.NAME, Retrain.NAME, Amnesiac.NAME, BadTeacher.NAME, Unsir.NAME);

    public static void registerAll() {
        Unlearners.register(FineTune.NAME, FineTune::new);
        Unlearners.register(GradientAscent.NAME, GradientAscent::new);
        Unlearners.register(RandomLabel.NAME, RandomLabel::new);
        Unlearners.register(L1Sparse.NAME, L1Sparse::new);
        Unlearners.register(Retrain.NAME, Retrain::new);
        Unlearners.register(Amnesiac.NAME, Amnesiac::new);
        Unlearners.register(BadTeacher.NAME, BadTeacher::new);
        Unlearners.register(Unsir.NAME, Unsir::new);
    }
}
