// The training-based unlearning methods, provided to the Unlearners registry under their names (ServiceLoader).
package ai.lethe.unlearn.train;

import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.MethodProvider;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.Unlearners;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

public final class TrainingMethods implements MethodProvider {
    /** For ServiceLoader. */
    public TrainingMethods() {}

    /** The names registerAll() registers. */
    public static final java.util.List<String> NAMES = java.util.List.of(FineTune.NAME, GradientAscent.NAME, RandomLabel.NAME,
            L1Sparse.NAME, Retrain.NAME, Amnesiac.NAME, BadTeacher.NAME, Unsir.NAME, SalUn.NAME, NegGradPlus.NAME, Scrub.NAME,
            BoundaryShrink.NAME, BoundaryExpand.NAME);

    @Override
    public Map<String, Function<MethodOptions, Unlearner>> methods() {
        Map<String, Function<MethodOptions, Unlearner>> m = new LinkedHashMap<>();
        m.put(FineTune.NAME, FineTune::new);
        m.put(GradientAscent.NAME, GradientAscent::new);
        m.put(RandomLabel.NAME, RandomLabel::new);
        m.put(L1Sparse.NAME, L1Sparse::new);
        m.put(Retrain.NAME, Retrain::new);
        m.put(Amnesiac.NAME, Amnesiac::new);
        m.put(BadTeacher.NAME, BadTeacher::new);
        m.put(Unsir.NAME, Unsir::new);
        m.put(SalUn.NAME, SalUn::new);
        m.put(NegGradPlus.NAME, NegGradPlus::new);
        m.put(Scrub.NAME, Scrub::new);
        m.put(BoundaryShrink.NAME, BoundaryShrink::new);
        m.put(BoundaryExpand.NAME, BoundaryExpand::new);
        return m;
    }

    /** Registers these methods again (replacing whatever is registered under their names). */
    public static void registerAll() { new TrainingMethods().methods().forEach(Unlearners::register); }
}
