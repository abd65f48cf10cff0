// SynFlow (Tanaka et al., NeurIPS 2020), data-free pruning at initialisation, as Unlearn-Sparse runs it
// (ALGORITHMS.md, "Pruning"): `rounds` rounds (100 by default), round r keeping (1 − s)^(r/rounds) of the prunable
// entries; each round linearises the model (every float tensor of its state dict ← |·|, signs kept), feeds one
// all-ones image of the input shape in eval mode, R = Σ output, scores each prunable weight by |∂R/∂θ ⊙ θ|
// (kernels.Pruning.synflowScores), prunes globally by score (GlobalPruning: pruned entries stay pruned) and
// restores the signs (the original values are put back, then the new masks zero the pruned ones).
//
// Precision. Both reference implementations (Tanaka's Synaptic-Flow, Unlearn-Sparse's pruner) run this pass in
// float32 — Tanaka's code has its float64 lines commented out. R is a product over the depth of the layers'
// absolute weight sums (≈ 30–80 per ResNet conv at Kaiming init), so for deep or wide nets it can pass float32's
// 3.4e38 and the scores become inf/NaN. Precision.AUTO (the default) runs each round in float32 on the model's
// device and, when R or a score is not finite, redoes that round in float64 on a copy of the model on the ref
// backend; FLOAT32 and FLOAT64 force one or the other. Scores in float64 are divided by their maximum before the
// float32 top-k (a monotone rescaling: the ranking is kept, down to ratios of 1e-38 below the largest score).
package ai.lethe.prune;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.data.ImageShape;
import ai.lethe.kernels.Pruning;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class SynFlow {
    /** The number of rounds of the SynFlow paper and Unlearn-Sparse. */
    public static final int DEFAULT_ROUNDS = 100;

    /** Where the scoring pass runs (see the class comment). */
    public enum Precision { AUTO, FLOAT32, FLOAT64 }

    private SynFlow() {}

    /**
     * Prunes {@code model} to {@code sparsity} (exactly round(sparsity · total) prunable entries) in {@code rounds}
     * SynFlow rounds; round r prunes to round((1 − (1 − s)^(r/rounds)) · total) entries, the last exactly to the
     * target. The model's weights are otherwise unchanged.
     *
     * @param input the shape of one input image (channels, height, width)
     */
    public static void prune(ImageModel model, ImageShape input, double sparsity, int rounds, Precision precision) {
        String op = "SynFlow.prune";
        GlobalPruning.checkSparsity(op, sparsity);
        if (rounds < 1) throw new IllegalArgumentException(op + ": rounds must be >= 1, got " + rounds);
        Prunable.require(op, model);
        Device device = model.parameters().getFirst().device();
        long total = Prunable.count(model), target = GlobalPruning.prunedCount(total, sparsity);
        for (int r = 1; r <= rounds; r++) {
            long pruned = r == rounds ? target : Math.min(target, Math.round((1 - Math.pow(1 - sparsity, (double) r / rounds)) * total));
            try (var _ = Scope.open("synflow-round")) {
                GlobalPruning.pruneTo(model, topKScores(scores(model, input, precision), device), pruned);
            }
        }
    }

    /**
     * SynFlow scores |∂R/∂θ ⊙ θ| of the prunable weights of {@code model} as it is now (one round's scoring), by
     * parameter name: float32 on the model's device when that pass was finite (AUTO) or FLOAT32; float64 on the
     * ref backend otherwise. The model's weights, mode and gradients are left as they were. Owned by the caller's
     * scope.
     */
    public static Map<String, Tensor> scores(ImageModel model, ImageShape input, Precision precision) {
        String op = "SynFlow.scores";
        if (input == null || input.channels() != model.config().inChannels())
            throw new IllegalArgumentException(op + ": the input shape " + input + " does not have the model's "
                    + model.config().inChannels() + " channels");
        List<String> names = Prunable.require(op, model);
        if (precision != Precision.FLOAT64) {
            Map<String, Tensor> s = linearisedScores(model, input, names);
            if (precision == Precision.FLOAT32 || s != null) {
                if (s == null) throw new ArithmeticException(op + ": the float32 pass overflowed (R or a score is not finite);"
                        + " use Precision.AUTO or FLOAT64");
                return s;
            }
        }
        try (var scope = Scope.open(op + "-float64");
             ImageModel copy = Models.create(model.config(), new Generator(0)).to(Device.REF).to(DType.FLOAT64)) {
            try (var _ = GradMode.noGrad()) {
                Map<String, Tensor> state = new LinkedHashMap<>();
                for (var e : model.stateDict().entrySet()) state.put(e.getKey(), e.getValue().to(Device.REF));
                copy.loadStateDict(state, true);
            }
            Map<String, Tensor> s = linearisedScores(copy, input, names);
            if (s == null) throw new ArithmeticException(op + ": R or a score is not finite even in float64");
            for (Tensor t : s.values()) scope.keep(t);
            return s;
        }
    }

    /**
     * Runs one scoring pass on {@code net} (the model itself, or its float64 copy), restoring it afterwards;
     * null when R or a score is not finite.
     */
    private static Map<String, Tensor> linearisedScores(ImageModel net, ImageShape input, List<String> names) {
        boolean wasTraining = net.isTraining();
        Map<String, Tensor> state = net.stateDict();
        Map<String, Tensor> params = net.namedParameters();
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var scope = Scope.open("synflow-pass")) {
            Map<String, Tensor> saved = new LinkedHashMap<>();
            try (var _ = GradMode.noGrad()) {
                for (var e : state.entrySet()) {
                    if (!e.getValue().dtype().isFloatingPoint()) continue;
                    saved.put(e.getKey(), e.getValue().copy());
                    e.getValue().copyFrom(e.getValue().abs());
                }
            }
            try {
                net.eval();
                net.zeroGrad();
                Tensor x = Tensor.ones(Shape.of(1, input.channels(), input.height(), input.width()),
                        params.values().iterator().next().dtype(), params.values().iterator().next().device());
                Tensor r = net.forward(x).sum();
                double rValue = r.item();
                r.backward();
                boolean finite = Double.isFinite(rValue);
                List<Tensor> maxima = new ArrayList<>(names.size());
                for (String n : names) {
                    Tensor p = params.get(n), g = p.grad();
                    Tensor s = g == null ? Tensor.zerosLike(p) : Pruning.synflowScores(p.detach(), g);
                    maxima.add(s.max());
                    out.put(n, s);
                }
                if (finite) for (double m : maxima(maxima)) if (!Double.isFinite(m)) finite = false;
                if (!finite) return null;
                for (Tensor t : out.values()) scope.keep(t);
                return out;
            } finally {
                net.zeroGrad();
                try (var _ = GradMode.noGrad()) {
                    for (var e : saved.entrySet()) state.get(e.getKey()).copyFrom(e.getValue());
                }
                net.train(wasTraining);
            }
        }
    }

    /** Scores as GlobalTopK takes them: float32 on the model's device (float64 ones divided by their maximum). */
    private static Map<String, Tensor> topKScores(Map<String, Tensor> scores, Device device) {
        Tensor first = scores.values().iterator().next();
        if (first.dtype() == DType.FLOAT32 && first.device().equals(device)) return scores;
        double max = 0;
        List<Tensor> maxima = new ArrayList<>(scores.size());
        for (Tensor s : scores.values()) maxima.add(s.max());
        for (double m : maxima(maxima)) max = Math.max(max, m);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : scores.entrySet()) {
            Tensor s = max > 0 ? e.getValue().div(max) : e.getValue();
            out.put(e.getKey(), s.to(DType.FLOAT32).to(device));
        }
        return out;
    }

    /** The values of the 0-d tensors {@code maxima}, stacked on their device and read in one copy (no per-tensor read). */
    private static double[] maxima(List<Tensor> maxima) {
        return maxima.isEmpty() ? new double[0] : Tensor.stack(maxima, 0).toDoubleArray();
    }
}
