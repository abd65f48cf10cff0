// UNSIR (Tarun et al., as the SSD paper runs it), full-class forgetting only. 1) Learn a noise batch N
// (noise-batch × C×H×W, from N(0,1), in model-input space) that maximises the model's loss on the forgotten
// class: minimise −CE(f(N), c) + noise-l2·mean_i Σ N_i², Adam at noise-lr for noise-steps steps, model in eval
// mode (BatchNorm statistics untouched by the noise). 2) Impair: train on noise-copies copies of N labelled c
// together with up to samples-per-class samples of every retained class (the first ones in Dr's order), batch
// impair-batch-size, Adam lr. 3) Repair: train on those retain samples alone, batch batch-size, a fresh Adam.
// Defaults: 25 noise steps, noise lr 0.1, noise batch 32, 80 copies, l2 0.1, 500 per class, lr 1e-4, one
// impair epoch at batch 32, one repair epoch at batch 128.
package ai.lethe.unlearn.train;

import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import ai.lethe.data.Concat;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.split.ClassForget;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.Adam;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

public final class Unsir implements Unlearner {
    public static final String NAME = "unsir";
    private final int noiseSteps, noiseBatch, noiseCopies, samplesPerClass, impairEpochs, impairBatch, repairEpochs, repairBatch;
    private final double noiseLr, noiseL2, lr;

    public Unsir(MethodOptions o) {
        noiseSteps = o.getInt("noise-steps", 25, 1);
        noiseLr = LoopOptions.positive(o, "noise-lr", o.getDouble("noise-lr", 0.1, 0));
        noiseBatch = o.getInt("noise-batch", 32, 1);
        noiseCopies = o.getInt("noise-copies", 80, 1);
        noiseL2 = o.getDouble("noise-l2", 0.1, 0);
        samplesPerClass = o.getInt("samples-per-class", 500, 1);
        lr = LoopOptions.positive(o, "lr", o.getDouble("lr", 1e-4, 0));
        impairEpochs = o.getInt("impair-epochs", 1, 1);
        impairBatch = o.getInt("impair-batch-size", 32, 1);
        repairEpochs = o.getInt("repair-epochs", 1, 1);
        repairBatch = o.getInt("batch-size", 128, 1);
    }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET, Requirement.RETAIN_SET); }

    @Override public String configJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("noise-steps", noiseSteps);
        m.put("noise-lr", noiseLr);
        m.put("noise-batch", noiseBatch);
        m.put("noise-copies", noiseCopies);
        m.put("noise-l2", noiseL2);
        m.put("samples-per-class", samplesPerClass);
        m.put("optimizer", "adam");
        m.put("lr", lr);
        m.put("impair-epochs", impairEpochs);
        m.put("impair-batch-size", impairBatch);
        m.put("repair-epochs", repairEpochs);
        m.put("batch-size", repairBatch);
        return ConfigJson.of(NAME, m);
    }

    /** The forgotten class of a full-class split; anything else is an IllegalArgumentException. */
    static int forgetClass(UnlearnContext context) {
        if (context.split() != null && context.split().request() instanceof ClassForget(int c)) return c;
        throw new IllegalArgumentException(NAME + " unlearns whole classes only: it needs a full-class split (class=c), got "
                + (context.split() == null ? "no split" : "'" + context.split().request().spec() + "'"));
    }

    /** Up to {@code perClass} samples of every class but {@code forgetClass}, the first ones in {@code retain}'s order. */
    public static Dataset retainSamples(Dataset retain, int forgetClass, int perClass) {
        int[] counts = new int[retain.numClasses()];
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < retain.size(); i++) {
            int y = retain.label(i);
            if (y != forgetClass && counts[y] < perClass) {
                counts[y]++;
                chosen.add(i);
            }
        }
        return retain.subset(chosen.stream().mapToInt(Integer::intValue).toArray(), retain.name() + " (<= " + perClass + " per class)");
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        int forgetClass = forgetClass(context);
        Dataset retain = context.retainSet();
        ImageShape input = context.transform() == null ? retain.shape() : context.transform().outputShape(retain.shape());
        float[] noise = learnNoise(model, context, forgetClass, input, log);

        Dataset samples = retainSamples(retain, forgetClass, samplesPerClass);
        Dataset noiseSet = ModelInputs.repeated(noise, input, noiseCopies, forgetClass, retain.classNames(), "UNSIR noise (class " + forgetClass + ")");
        Dataset impair = Concat.of(noiseSet, ModelInputs.transformed(samples, context.transform(), context.seed()));
        try (Adam opt = LoopOptions.adam(model, lr, 0)) {
            TrainingLoop.of(NAME + " impair", model, context).data(impair).transform(null).epochs(impairEpochs).batchSize(impairBatch)
                    .loss((m, b) -> F.crossEntropy(m.forward(b.images()), b.labels())).run(opt, log);
        }
        try (Adam opt = LoopOptions.adam(model, lr, 0)) {
            TrainingLoop.of(NAME + " repair", model, context).data(samples).epochs(repairEpochs).batchSize(repairBatch)
                    .loss((m, b) -> F.crossEntropy(m.forward(b.images()), b.labels())).run(opt, log);
        }
    }

    /** Learns the error-maximising noise; returns it as flat CHW images. */
    private float[] learnNoise(ImageModel model, UnlearnContext context, int forgetClass, ImageShape input, List<String> log) {
        model.eval();
        try (Scope _ = Scope.open("unsir-noise")) {
            Tensor noise = Tensor.randn(Shape.of(noiseBatch, input.channels(), input.height(), input.width()),
                    new Generator(context.seed()), context.device()).setRequiresGrad(true);
            Tensor labels = Tensor.full(Shape.of(noiseBatch), forgetClass, DType.INT64, context.device());
            double first = Double.NaN, last = Double.NaN;
            try (Adam opt = Adam.builder(List.of(noise)).lr(noiseLr).build()) {
                for (int step = 0; step < noiseSteps; step++) {
                    try (Scope _ = Scope.open("unsir-noise-step")) {
                        Tensor ce = F.crossEntropy(model.forward(noise), labels);
                        Tensor loss = ce.neg().add(noise.square().sum(1, 2, 3).mean(), noiseL2);
                        if (step == 0) first = ce.item();
                        last = ce.item();
                        opt.zeroGrad();
                        loss.backward();
                        opt.step();
                    }
                }
            } finally {
                model.zeroGrad();
            }
            log.add(String.format(Locale.ROOT, "%s: learned %d noise images for class %d in %d steps (CE on them %.3f -> %.3f)",
                    NAME, noiseBatch, forgetClass, noiseSteps, first, last));
            return noise.detach().toFloatArray();
        }
    }
}
