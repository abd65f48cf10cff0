// NegGrad+ (Kurmanji et al., NeurIPS 2023, "Towards Unbounded Machine Unlearning"; reference meghdadk/SCRUB): fine-tune
// with loss β·CE(retain batch) − (1−β)·CE(forget batch), model in train mode. An epoch is one pass over Dr; each retain
// batch is paired with the next batch of Df, cycling through Df as often as needed (thirdparty/repdistiller/helper/
// loops.py train_negrad, lines 12-52: zip(train_loader, cycle(delete_loader)), loss = alpha*r_loss - (1-alpha)*del_loss;
// itertools.cycle replays the first pass's batches, Lethe reshuffles Df on each pass). The optimizer is plain SGD:
// torch.optim.SGD(lr, weight_decay=0.0) with no momentum (small_scale_unlearning.ipynb, cell 71, negative_grad).
//
// Defaults: β 0.95, 10 epochs, lr 0.01 (small_scale_unlearning.ipynb cell 85: ng_alpha, ng_epochs, ng_lr — the
// notebook where NegGrad+ runs; resnet50_cifar100.ipynb cell 23 sets β 0.9999 and 5 epochs for CIFAR-100, in
// code it leaves commented out); retain batch 32 and forget batch 64 (small_scale_unlearning.ipynb cell 26:
// retain_bs, forget_bs). The same notebook's own epoch function (run_neggrad_epoch, cell 70) runs in eval mode and
// adds an L2 pull to the starting weights; Lethe follows the repository's loops.py (train mode, no pull).
package ai.lethe.unlearn.train;

import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.List;
import java.util.Locale;
import java.util.Set;

public final class NegGradPlus implements Unlearner {
    /** "neggrad+" as the papers write it (the CLI, experiment files and the demo take it as is). */
    public static final String NAME = "neggrad+";
    private final LoopOptions loop;
    private final double beta;
    private final int forgetBatch;

    public NegGradPlus(MethodOptions o) {
        int e = o.getInt("epochs", 10, 1);
        double lr = LoopOptions.positive(o, "lr", o.getDouble("lr", 0.01, 0));
        int b = o.getInt("batch-size", 32, 1);
        double m = o.getDouble("momentum", 0, 0);
        if (m >= 1) throw new IllegalArgumentException(NAME + ": option 'momentum' must be < 1, got " + m);
        double wd = o.getDouble("weight-decay", 0, 0);
        loop = new LoopOptions(e, lr, b, m, wd);
        beta = o.getDouble("beta", 0.95, 0);
        if (beta > 1) throw new IllegalArgumentException(NAME + ": option 'beta' (the retain loss's weight) must be in [0, 1], got " + beta);
        forgetBatch = o.getInt("forget-batch-size", 64, 1);
    }

    public LoopOptions loop() { return loop; }

    public double beta() { return beta; }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET, Requirement.RETAIN_SET); }

    @Override public String configJson() {
        return ConfigJson.of(NAME, ConfigJson.with(loop.fields(), "beta", beta, "forget-batch-size", forgetBatch));
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        DataLoader forget = DataLoader.builder(context.forgetSet()).batchSize(forgetBatch).shuffle(true).seed(context.seed() + 1)
                .dropLast(false).transform(context.transform()).device(context.device()).workers(context.workers()).build();
        try (SGD opt = loop.sgd(model); BatchCycle cycle = new BatchCycle(forget)) {
            TrainingLoop.of(NAME, model, context).data(context.retainSet()).epochs(loop.epochs()).batchSize(loop.batchSize())
                    .cudaGraphs(false)   // the loss loads a forget batch (a host copy a capture does not allow)
                    .loss((m, b) -> loss(m, b, cycle.next(), beta)).run(opt, log);
            log.add(String.format(Locale.ROOT, "%s: beta %.4g; %d passes over the %d forget samples", NAME, beta,
                    cycle.epochsStarted(), context.forgetSet().size()));
        }
    }

    /** β·CE(retain batch) − (1−β)·CE(forget batch). */
    static Tensor loss(ImageModel model, Batch retain, Batch forget, double beta) {
        Tensor r = F.crossEntropy(model.forward(retain.images()), retain.labels());
        Tensor f = F.crossEntropy(model.forward(forget.images()), forget.labels());
        return r.mul(beta).sub(f.mul(1 - beta));
    }
}
