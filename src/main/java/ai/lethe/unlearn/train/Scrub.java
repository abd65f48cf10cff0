// SCRUB (Kurmanji et al., NeurIPS 2023, "Towards Unbounded Machine Unlearning"; reference meghdadk/SCRUB): the model
// is the student of a frozen copy of itself before unlearning (the teacher, eval mode); the student trains in train
// mode. Epoch e = 1..E (large_scale_unlearning.ipynb cell 36): the learning rate is set to lr·rate^k, k = the number
// of decay epochs below e (thirdparty/repdistiller/helper/util.py adjust_learning_rate, lines 22-30); if e <= msteps,
// one max-pass over Df minimising −KL; then one min-pass over Dr minimising γ·CE(student, y) + α·KL
// (helper/loops.py train_distill, lines 241-244; β·loss_kd is 0 for distill 'kd'). KL is DistillKL at temperature
// T (distiller_zoo/KD.py, lines 13-17): Σ_batch KL(softmax(t/T) ‖ softmax(s/T)) · T² / batch size. One optimizer
// (and its momentum) serves both passes.
//
// Defaults: the large-scale (CIFAR-10, ResNet) settings, large_scale_unlearning.ipynb cell 32: SGD (optim 'sgd'),
// lr 5e-4 (sgda_learning_rate), momentum 0.9, weight decay 5e-4, 3 epochs (sgda_epochs), msteps 2, T 4 (kd_T),
// α 0.001 (alpha, the KL weight), γ 0.99 (gamma, the CE weight), decay epochs 3,5,9 at rate 0.1 (never reached in 3
// epochs); batch 256 on Dr and 512 on Df (cell 28: retain_loader and forget_loader). The small-scale notebook uses
// Adam, α 0.5, γ 1, T 2, msteps 3, 10 epochs (small_scale_unlearning.ipynb cell 30): -o optimizer=adam etc.
// Each pass runs as its own TrainingLoop (its own shuffle seed), so listeners see one run per pass.
package ai.lethe.unlearn.train;

import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.Optimizer;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

public final class Scrub implements Unlearner {
    public static final String NAME = "scrub";
    private final LoopOptions loop;
    private final int forgetBatch, msteps;
    private final double temperature, alpha, gamma, decayRate;
    private final List<Integer> decayEpochs;

    public Scrub(MethodOptions o) {
        String optimizer = o.getString("optimizer", "sgd", Set.of("sgd", "adam"));
        int e = o.getInt("epochs", 3, 1);
        double lr = LoopOptions.positive(o, "lr", o.getDouble("lr", 5e-4, 0));
        int b = o.getInt("batch-size", 256, 1);
        double m = Double.NaN;
        if (optimizer.equals("sgd")) {
            m = o.getDouble("momentum", 0.9, 0);
            if (m >= 1) throw new IllegalArgumentException(NAME + ": option 'momentum' must be < 1, got " + m);
        }
        loop = new LoopOptions(e, lr, b, m, o.getDouble("weight-decay", 5e-4, 0));
        forgetBatch = o.getInt("forget-batch-size", 512, 1);
        msteps = o.getInt("msteps", 2, 0);
        temperature = LoopOptions.positive(o, "temperature", o.getDouble("temperature", 4, 0));
        alpha = o.getDouble("alpha", 0.001, 0);
        gamma = o.getDouble("gamma", 0.99, 0);
        decayRate = LoopOptions.positive(o, "lr-decay-rate", o.getDouble("lr-decay-rate", 0.1, 0));
        decayEpochs = parseEpochs(o.getString("lr-decay-epochs", "3,5,9", null));
    }

    private static List<Integer> parseEpochs(String s) {
        List<Integer> out = new ArrayList<>();
        if (s.isBlank() || s.strip().equals("none")) return out;
        for (String part : s.split(",")) {
            try {
                int v = Integer.parseInt(part.strip());
                if (v < 0) throw new NumberFormatException();
                out.add(v);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(NAME + ": option 'lr-decay-epochs' must be whole numbers >= 0 separated by commas "
                        + "(or 'none'), got '" + s + "'");
            }
        }
        return List.copyOf(out);
    }

    public LoopOptions loop() { return loop; }

    /** The learning rate of epoch {@code epoch} (1-based): lr · rate^(number of decay epochs below it). */
    public double lrAt(int epoch) {
        int steps = 0;
        for (int d : decayEpochs) if (epoch > d) steps++;
        return loop.lr() * Math.pow(decayRate, steps);
    }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET, Requirement.RETAIN_SET); }

    @Override public String configJson() {
        return ConfigJson.of(NAME, ConfigJson.with(loop.fields(), "forget-batch-size", forgetBatch, "msteps", msteps,
                "temperature", temperature, "alpha", alpha, "gamma", gamma, "lr-decay-epochs", decayEpochs, "lr-decay-rate", decayRate));
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        Dataset forget = context.forgetSet(), retain = context.retainSet();
        try (ImageModel teacher = BadTeacher.copyOf(model, context); Optimizer<?> opt = loop.isSgd() ? loop.sgd(model) : loop.adam(model)) {
            teacher.eval();
            int pass = 0;
            for (int epoch = 1; epoch <= loop.epochs(); epoch++) {
                double lr = lrAt(epoch);
                opt.setLr(lr);
                if (epoch <= msteps) {
                    List<Double> l = TrainingLoop.of(NAME, model, context).data(forget).epochs(1).batchSize(forgetBatch)
                            .seed(context.seed() * 1_000_003L + pass++).loss((s, b) -> kl(s.forward(b.images()), teacher, b).neg())
                            .run(opt, new ArrayList<>());
                    log.add(String.format(Locale.ROOT, "%s epoch %d/%d: max-step over %d forget samples, -KL %.4f (lr %.3g)", NAME, epoch,
                            loop.epochs(), forget.size(), l.getFirst(), lr));
                }
                List<Double> l = TrainingLoop.of(NAME, model, context).data(retain).epochs(1).batchSize(loop.batchSize())
                        .seed(context.seed() * 1_000_003L + pass++)
                        .loss((s, b) -> {
                            Tensor logits = s.forward(b.images());   // one forward: CE and KL read the same logits
                            return F.crossEntropy(logits, b.labels()).mul(gamma).add(kl(logits, teacher, b).mul(alpha));
                        })
                        .run(opt, new ArrayList<>());
                log.add(String.format(Locale.ROOT, "%s epoch %d/%d: min-step over %d retain samples, gamma*CE + alpha*KL %.4f (lr %.3g)",
                        NAME, epoch, loop.epochs(), retain.size(), l.getFirst(), lr));
            }
        }
    }

    /** DistillKL: KL(teacher ‖ student) at temperature T, summed over classes, averaged over the batch, times T². */
    private Tensor kl(Tensor studentLogits, ImageModel teacher, Batch b) {
        Tensor target;
        try (var _ = GradMode.noGrad()) {
            target = F.softmax(teacher.forward(b.images()).div(temperature), 1);
        }
        Tensor logp = F.logSoftmax(studentLogits.div(temperature), 1);
        return F.klDiv(logp, target, F.KlReduction.BATCHMEAN, false).mul(temperature * temperature);
    }
}
