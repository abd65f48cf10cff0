// Everything a training run needs besides the model and the data: the optimizer and its schedule, batch size,
// epochs, augmentation, seed and loader workers. The presets are the two founding papers' recipes
// (ALGORITHMS.md, "Base training recipes"); every field can be overridden through toBuilder().
package ai.lethe.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;

/**
 * @param milestones  epochs (as fractions of {@code epochs}) at which the learning rate is multiplied by gamma
 * @param warmupEpochs epochs of linear warm-up from 0 to lr, per iteration (the SSD reference's WarmUpLR)
 */
public record TrainConfig(String preset, int epochs, int batchSize, OptimizerKind optimizer, double lr, double momentum,
                          double weightDecay, boolean nesterov, int warmupEpochs, List<Double> milestones, double gamma,
                          boolean augment, long seed, int workers, double labelSmoothing) {

    public enum OptimizerKind { SGD, ADAMW }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public TrainConfig {
        check(epochs > 0, "epochs must be positive, got " + epochs);
        check(batchSize > 0, "batch size must be positive, got " + batchSize);
        check(lr > 0 && Double.isFinite(lr), "learning rate must be positive, got " + lr);
        check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "weight decay must be a finite number >= 0, got " + weightDecay);
        check(warmupEpochs >= 0 && warmupEpochs < epochs || warmupEpochs == 0,
                "warm-up epochs must be in [0, epochs), got " + warmupEpochs + " of " + epochs);
        check(gamma > 0 && gamma <= 1, "gamma must be in (0, 1], got " + gamma);
        check(workers >= 0, "workers must be >= 0, got " + workers);
        check(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must be in [0, 1), got " + labelSmoothing);
        milestones = List.copyOf(milestones);
        for (double m : milestones) check(m > 0 && m < 1, "milestones are fractions of the epochs in (0, 1), got " + m);
        if (optimizer == null) optimizer = OptimizerKind.SGD;
        if (preset == null) preset = "custom";
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("training config: " + message);
    }

    /** Unlearn-Sparse's recipe: SGD 0.1, momentum 0.9, wd 5e-4, batch 256, ×0.1 at 50% and 75% of the epochs. */
    public static TrainConfig unlearnSparse(int epochs) {
        return new TrainConfig("unlearn-sparse", epochs, 256, OptimizerKind.SGD, 0.1, 0.9, 5e-4, false, 0,
                List.of(0.5, 0.75), 0.1, true, 0, defaultWorkers(), 0);
    }

    /**
     * SSD's recipe (its reference trains with the pytorch-cifar100 schedule): SGD 0.1, momentum 0.9, wd 5e-4,
     * batch 64, 1 warm-up epoch, ×0.2 at 30%, 60% and 80% of the epochs (60/120/160 of 200).
     */
    public static TrainConfig ssd(int epochs) {
        return new TrainConfig("ssd", epochs, 64, OptimizerKind.SGD, 0.1, 0.9, 5e-4, false, epochs > 1 ? 1 : 0,
                List.of(0.3, 0.6, 0.8), 0.2, true, 0, defaultWorkers(), 0);
    }

    /** A preset by name: "unlearn-sparse" or "ssd". */
    public static TrainConfig preset(String name, int epochs) {
        return switch (name) {
            case "unlearn-sparse" -> unlearnSparse(epochs);
            case "ssd" -> ssd(epochs);
            default -> throw new IllegalArgumentException("unknown training preset '" + name + "'; known: unlearn-sparse, ssd");
        };
    }

    static int defaultWorkers() { return Math.min(2, Runtime.getRuntime().availableProcessors()); }

    /** The epochs at which the learning rate drops, from the fractions (distinct, in order). */
    public List<Integer> milestoneEpochs() {
        return milestones.stream().map(f -> (int) Math.round(f * epochs)).filter(e -> e > 0 && e < epochs).distinct().sorted().toList();
    }

    /** Learning-rate factor at global iteration {@code it} with {@code perEpoch} iterations an epoch. */
    public double lrFactor(int it, int perEpoch) {
        int epoch = it / Math.max(perEpoch, 1);
        if (epoch < warmupEpochs) return (it + 1.0) / ((double) warmupEpochs * perEpoch);
        double f = 1;
        for (int m : milestoneEpochs()) if (epoch >= m) f *= gamma;
        return f;
    }

    /** A builder starting from this config. */
    public Builder toBuilder() { return new Builder(this); }

    /** Overrides of a config, field by field; {@link #build()} validates the result. */
    public static final class Builder {
        private String preset;
        private int epochs, batchSize, warmupEpochs, workers;
        private OptimizerKind optimizer;
        private double lr, momentum, weightDecay, gamma, labelSmoothing;
        private boolean nesterov, augment;
        private List<Double> milestones;
        private long seed;

        private Builder(TrainConfig c) {
            preset = c.preset; epochs = c.epochs; batchSize = c.batchSize; optimizer = c.optimizer; lr = c.lr;
            momentum = c.momentum; weightDecay = c.weightDecay; nesterov = c.nesterov; warmupEpochs = c.warmupEpochs;
            milestones = c.milestones; gamma = c.gamma; augment = c.augment; seed = c.seed; workers = c.workers;
            labelSmoothing = c.labelSmoothing;
        }

        /** Sets the epochs; a warm-up longer than the run is shortened to fit. */
        public Builder epochs(int v) { epochs = v; warmupEpochs = Math.min(warmupEpochs, Math.max(v - 1, 0)); return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder optimizer(OptimizerKind v) { optimizer = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder momentum(double v) { momentum = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder nesterov(boolean v) { nesterov = v; return this; }
        public Builder warmupEpochs(int v) { warmupEpochs = v; return this; }
        public Builder schedule(List<Double> fractions, double factor) { milestones = fractions; gamma = factor; return this; }
        public Builder augment(boolean v) { augment = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder workers(int v) { workers = v; return this; }
        public Builder labelSmoothing(double v) { labelSmoothing = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(preset, epochs, batchSize, optimizer, lr, momentum, weightDecay, nesterov, warmupEpochs,
                    milestones, gamma, augment, seed, workers, labelSmoothing);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("training config to JSON: " + e.getMessage(), e);
        }
    }

    public static TrainConfig fromJson(String json) {
        try {
            return JSON.readValue(json, TrainConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("training config: invalid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
