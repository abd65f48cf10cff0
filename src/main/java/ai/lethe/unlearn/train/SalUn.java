// SalUn (saliency unlearning, Fan et al., ICLR 2024; reference OPTML-Group/Unlearn-Saliency, Classification/):
//   1. the saliency mask (generate_mask.py, save_gradient_ratio, lines 14-82): model in eval mode, for each batch of
//      Df the gradient of −CE (mean over the batch) is summed over the batches, g = |Σ ∇θ|; over all parameters
//      together (conv/linear weights, biases, BN affines) the int(N·fraction) largest g are salient (mask 1), the rest
//      0 — one global threshold, ties at it broken as GlobalTopK does (the reference's argsort is unspecified there);
//   2. random-label unlearning where only salient weights move (unlearn/RL.py): Df with uniformly drawn labels (any
//      class, the true one included: np.random.randint / torch.randint over num_classes, RL.py lines 53 and 125)
//      and Dr with its labels, SGD with momentum and weight decay; after every step the non-salient entries are put
//      back to their values before unlearning and their momentum is zeroed (RL.py _restore_masked_params, lines
//      17-34, the fix of commit a6e89fd "Fix weight decay"), so they never move. BN running statistics update
//      (train mode) as in the reference.
// Lethe restores lazily: before each step's forward and once after the last step, which leaves every forward and
// the final model exactly as the reference's per-step restore (the update of an entry depends only on its own
// gradient, momentum and value, so masking the gradient as well would change nothing that is kept).
//
// Defaults (Classification/arg_parser.py): epochs 10 (--unlearn_epochs, line 120), lr 0.01 (--unlearn_lr, line 117;
// the README's 10%-random example uses 0.013), batch 256 (--batch_size, line 69), momentum 0.9 (line 71), weight
// decay 5e-4 (line 72); fraction 0.5 (README: --mask_path mask/with_0.5.pt, the mask generate_mask.py writes for
// 0.5); the mask's Df batch is the same --batch_size. The reference's MultiStepLR milestones (91, 136) are never
// reached in 10 epochs, so the rate is constant. Data order: the reference's CIFAR-100/TinyImageNet branch (Df
// relabelled, concatenated with Dr, shuffled: RL.py lines 51-59, as Lethe's rl); its CIFAR-10 branch makes one pass
// over Df and then one over Dr each epoch instead.
package ai.lethe.unlearn.train;

import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.kernels.GlobalTopK;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.GradMode;
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
import java.util.function.IntFunction;

public final class SalUn implements Unlearner {
    public static final String NAME = "salun";
    private final LoopOptions loop;
    private final double fraction;
    private final int maskBatch;

    public SalUn(MethodOptions o) {
        loop = LoopOptions.sgd(o, 10, 0.01, 256);
        fraction = o.getDouble("fraction", 0.5, 0);
        if (!(fraction > 0 && fraction <= 1))
            throw new IllegalArgumentException(NAME + ": option 'fraction' (the share of weights that may move) must be in (0, 1], got " + fraction);
        maskBatch = o.getInt("mask-batch-size", loop.batchSize(), 1);
    }

    public LoopOptions loop() { return loop; }

    public double fraction() { return fraction; }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET, Requirement.RETAIN_SET); }

    @Override public String configJson() {
        return ConfigJson.of(NAME, ConfigJson.with(loop.fields(), "fraction", fraction, "mask-batch-size", maskBatch,
                "labels", "uniform, redrawn each epoch"));
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        Dataset forget = context.forgetSet(), retain = context.retainSet();
        try (Scope _ = Scope.open(NAME + " mask")) {
            Map<String, Tensor> mask = saliencyMask(model, context, forget, maskBatch, fraction, log);
            trainMasked(model, context, epoch -> RandomLabel.epochData(forget, retain, context.seed(), epoch), mask, log);
        }
    }

    /**
     * The saliency mask (float 0/1 per parameter, by name, in the current scope): |Σ over Df's batches of ∇θ(−CE)| in
     * eval mode, the int(N·fraction) largest over all parameters kept. Leaves the model's gradients cleared.
     */
    public static Map<String, Tensor> saliencyMask(ImageModel model, UnlearnContext context, Dataset forget, int batchSize,
                                                   double fraction, List<String> log) {
        Map<String, Tensor> params = model.namedParameters();
        DataLoader loader = DataLoader.builder(forget).batchSize(batchSize).shuffle(false).dropLast(false)
                .transform(context.transform()).device(context.device()).workers(context.workers()).build();
        boolean training = model.isTraining();
        model.eval();
        model.zeroGrad();
        try {
            try (Epoch batches = loader.epoch(0)) {
                for (Batch b : batches) {
                    try (b; Scope _ = Scope.open(NAME + " mask step")) {
                        F.crossEntropy(model.forward(b.images()), b.labels()).neg().backward();
                    }
                }
            }
            long total = 0;
            List<Tensor> scores = new ArrayList<>();
            try (var _ = GradMode.noGrad()) {
                for (Tensor p : params.values()) {
                    Tensor g = p.grad();
                    scores.add(g == null ? Tensor.zerosLike(p) : g.abs().contiguous());
                    total += p.numel();
                }
                long keep = (long) (total * fraction);   // the reference's int(len(all_elements) * i)
                List<Tensor> masks = GlobalTopK.keepLargest(scores, keep);
                Map<String, Tensor> out = new LinkedHashMap<>();
                int i = 0;
                for (String n : params.keySet()) out.put(n, masks.get(i++));
                log.add(String.format(Locale.ROOT, "%s: saliency mask over %d forget samples: %d of %d parameter elements may move (%.3g)",
                        NAME, forget.size(), keep, total, (double) keep / total));
                return out;
            }
        } finally {
            model.zeroGrad();
            model.train(training);
        }
    }

    /**
     * Trains on {@code data} (per epoch) with the SGD of {@code loop} where only the entries with mask 1 move: the
     * others are put back to their values before training, and their momentum zeroed, after every step.
     */
    void trainMasked(ImageModel model, UnlearnContext context, IntFunction<Dataset> data, Map<String, Tensor> mask, List<String> log) {
        trainMasked(NAME, loop, model, context, data, mask, log);
    }

    static void trainMasked(String method, LoopOptions loop, ImageModel model, UnlearnContext context, IntFunction<Dataset> data,
                            Map<String, Tensor> mask, List<String> log) {
        Map<String, Tensor> params = model.namedParameters();
        if (!mask.keySet().equals(params.keySet()))
            throw new IllegalArgumentException(method + ": the saliency mask covers " + mask.keySet() + ", the model has " + params.keySet());
        try (SGD opt = loop.sgd(model); Scope frozen = Scope.open(method + " frozen values")) {
            Map<Tensor, Tensor[]> restore = new java.util.IdentityHashMap<>();   // param -> {where frozen, values before}
            try (var _ = GradMode.noGrad()) {
                for (var e : params.entrySet()) {
                    Tensor m = mask.get(e.getKey());
                    if (!m.shape().equals(e.getValue().shape()))
                        throw new IllegalArgumentException(method + ": the mask of " + e.getKey() + " has shape " + m.shape()
                                + ", the parameter " + e.getValue().shape());
                    if (m.sum().item() < m.numel()) restore.put(e.getValue(), new Tensor[] {m.eq(0.0), e.getValue().copy()});
                }
            }
            TrainingLoop.of(method, model, context).data(data).epochs(loop.epochs()).batchSize(loop.batchSize())
                    .cudaGraphs(false)   // random labels drawn per batch and the frozen-weight restore: replayed, a graph reused the first batch's
                    .loss((mo, b) -> {
                        restoreFrozen(opt, restore);
                        return F.crossEntropy(mo.forward(b.images()), b.labels());
                    }).run(opt, log);
            restoreFrozen(opt, restore);
        }
    }

    /** Puts the non-salient entries back and zeroes their momentum (RL.py's _restore_masked_params). */
    private static void restoreFrozen(SGD opt, Map<Tensor, Tensor[]> restore) {
        try (var _ = GradMode.noGrad(); Scope _ = Scope.open(NAME + " restore")) {
            for (var e : restore.entrySet()) {
                Tensor p = e.getKey(), frozen = e.getValue()[0], before = e.getValue()[1];
                p.copyFrom(Tensor.where(frozen, before, p));
                p.markModified();
                var state = opt.stateOf(p);
                Tensor buf = state == null ? null : state.buffer(SGD.MOMENTUM_BUFFER);
                if (buf != null) {
                    buf.copyFrom(Tensor.where(frozen, Tensor.zerosLike(buf), buf));
                    buf.markModified();
                }
            }
        }
    }
}
