// Retrain: re-initialise every parameter and buffer of the model in place (a fresh model of the same config,
// initialised from the context's seed, copied in; pruning masks stay and pruned weights are set back to zero)
// and train it on the retain set with the base training recipe (its optimizer, batch size, epochs, warm-up and
// decay, label smoothing), the gold standard the other methods are compared with. Options override the recipe's
// epochs, lr and batch-size. head-only=true re-initialises only the final classifier layer, the SSD
// reference's variant (kept for comparison with its published numbers; it is not a real retrain).
//
// The context carries the evaluation transform only, so a recipe asking for augmentation trains un-augmented
// (noted in the log).
package ai.lethe.unlearn.train;

import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNet;
import ai.lethe.models.VisionTransformer;
import ai.lethe.nn.F;
import ai.lethe.nn.Masks;
import ai.lethe.optim.AdamW;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.TrainConfig;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class Retrain implements Unlearner {
    public static final String NAME = "retrain";
    private final boolean headOnly;
    private final int epochs, batchSize;   // 0: the recipe's
    private final double lr;               // NaN: the recipe's

    public Retrain(MethodOptions o) {
        headOnly = o.getBoolean("head-only", false);
        epochs = o.getInt("epochs", 0, 1);
        batchSize = o.getInt("batch-size", 0, 1);
        double l = o.getDouble("lr", Double.NaN);
        lr = Double.isNaN(l) ? l : LoopOptions.positive(o, "lr", l);
    }

    public boolean headOnly() { return headOnly; }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.RETAIN_SET, Requirement.TRAINING_RECIPE); }

    @Override public String configJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("head-only", headOnly);
        m.put("epochs", epochs > 0 ? epochs : "recipe");
        m.put("lr", Double.isNaN(lr) ? "recipe" : lr);
        m.put("batch-size", batchSize > 0 ? batchSize : "recipe");
        return ConfigJson.of(NAME, m);
    }

    /** The recipe with this method's overrides. */
    public TrainConfig recipe(TrainConfig base) {
        var b = base.toBuilder();
        if (epochs > 0) b.epochs(epochs);
        if (batchSize > 0) b.batchSize(batchSize);
        if (!Double.isNaN(lr)) b.lr(lr);
        return b.build();
    }

    /** The name of the model's final classifier layer. */
    public static String classifierName(ImageModel model) {
        return switch (model) {
            case ResNet r -> "fc";
            case VisionTransformer v -> "head";
        };
    }

    /** Copies a freshly initialised model's state (all of it, or only the classifier's) into {@code model}. */
    public static void reinitialise(ImageModel model, long seed, boolean headOnly) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        try (ImageModel fresh = Models.create(model.config(), new Generator(seed))) {
            String prefix = classifierName(model) + ".";
            for (var e : fresh.stateDict().entrySet())
                if (!headOnly || e.getKey().startsWith(prefix)) state.put(e.getKey(), e.getValue());
            if (headOnly) {
                if (state.isEmpty()) throw new IllegalStateException(NAME + ": the model has no classifier layer '" + prefix + "'");
                var result = model.loadStateDict(state, false);
                if (!result.unexpectedKeys().isEmpty() || !result.shapeMismatches().isEmpty())
                    throw new IllegalStateException(NAME + ": cannot re-initialise the classifier: " + result);
            } else {
                model.loadStateDict(state, true);
            }
        }
        Masks.reapply(model);
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        TrainConfig recipe = recipe(context.recipe());
        reinitialise(model, context.seed(), headOnly);
        log.add(NAME + ": re-initialised " + (headOnly ? "the classifier layer '" + classifierName(model) + "'" : "every parameter and buffer")
                + " (seed " + context.seed() + "); training on " + context.retainSet().size() + " retain samples with " + recipe.toJson());
        if (recipe.augment()) log.add(NAME + ": the recipe augments, but the context gives only the evaluation transform; training un-augmented");
        try (Optimizer<?> opt = optimizer(model, recipe)) {
            int perEpoch = (context.retainSet().size() + recipe.batchSize() - 1) / recipe.batchSize();
            TrainingLoop.of(NAME, model, context).data(context.retainSet()).epochs(recipe.epochs()).batchSize(recipe.batchSize())
                    .lrFactor(it -> recipe.lrFactor(it, perEpoch)).describedAs(recipe)
                    .loss((m, b) -> F.crossEntropy(m.forward(b.images()), b.labels(), F.Reduction.MEAN, recipe.labelSmoothing()))
                    .run(opt, log);
        }
    }

    private static Optimizer<?> optimizer(ImageModel model, TrainConfig c) {
        Optimizer<?> opt = switch (c.optimizer()) {
            case SGD -> SGD.builder(model.parameters()).lr(c.lr()).momentum(c.momentum()).weightDecay(c.weightDecay())
                    .nesterov(c.nesterov()).build();
            case ADAMW -> AdamW.builder(model.parameters()).lr(c.lr()).weightDecay(c.weightDecay()).build();
        };
        return Masks.attach(opt, model);
    }
}
