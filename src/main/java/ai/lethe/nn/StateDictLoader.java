// Module.loadStateDict: matches a state dict against the module's keys and shapes, then copies the values
// into the existing tensors under no-grad (converting the dtype, then moving to the tensor's device). In
// strict mode every problem is reported in one exception before anything is copied. As in PyTorch, a missing
// BatchNorm num_batches_tracked (checkpoints older than PyTorch 0.4.1) is not an error: the counter is reset to 0.
package ai.lethe.nn;

import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

final class StateDictLoader {
    private StateDictLoader() {}

    static LoadResult load(Module module, Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = module.stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        List<LoadResult.ShapeMismatch> mismatched = new ArrayList<>();
        List<Tensor> resetCounters = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null && isBatchNormCounter(module, e.getKey())) resetCounters.add(e.getValue());
            else if (src == null) missing.add(e.getKey());
            else if (!compatible(e.getValue(), src))
                mismatched.add(new LoadResult.ShapeMismatch(e.getKey(), e.getValue().shape(), src.shape()));
        }
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        LoadResult result = new LoadResult(missing, unexpected, mismatched);
        if (strict && !result.isClean()) throw new IllegalArgumentException(describe(module, own, state, result));
        try (Scope _ = Scope.open("loadStateDict"); var _ = GradMode.noGrad()) {
            for (var e : own.entrySet()) {
                Tensor dst = e.getValue(), src = state.get(e.getKey());
                if (src == null || src == dst || !compatible(dst, src)) continue;
                Tensor v = src;
                if (!v.device().equals(dst.device())) {
                    // convert on the source device first: the destination backend may not support the source dtype
                    v = v.to(dst.dtype()).to(dst.device());
                }
                if (v.rank() != dst.rank()) v = v.reshape(dst.shape());
                dst.copyFrom(v);
            }
            for (Tensor counter : resetCounters) counter.fill(0);
        }
        return result;
    }

    /**
     * Whether {@code key} is a BatchNorm's num_batches_tracked: state dicts saved before PyTorch 0.4.1 (and
     * plain dicts without version metadata) lack it, and PyTorch loads them with the counter reset to 0.
     */
    private static boolean isBatchNormCounter(Module root, String key) {
        String counter = "num_batches_tracked";
        if (!key.endsWith(counter)) return false;
        if (key.equals(counter)) return root instanceof BatchNorm;
        if (!key.endsWith("." + counter)) return false;
        return root.module(key.substring(0, key.length() - counter.length() - 1)) instanceof BatchNorm;
    }

    /** Same shape, or (as PyTorch allows for old checkpoints) a one-element [1] for a 0-dimensional tensor. */
    private static boolean compatible(Tensor dst, Tensor src) {
        if (dst.shape().equals(src.shape())) return true;
        return dst.rank() == 0 && src.rank() == 1 && src.numel() == 1;
    }

    private static String describe(Module module, Map<String, Tensor> own, Map<String, Tensor> state, LoadResult r) {
        StringBuilder sb = new StringBuilder("loadStateDict: the state dict does not match ").append(module.reprName()).append(": ")
                .append(r.missingKeys().size()).append(" missing, ")
                .append(r.unexpectedKeys().size()).append(" unexpected, ")
                .append(r.shapeMismatches().size()).append(" with another shape");
        for (String k : r.missingKeys()) sb.append("\n  missing key '").append(k).append("' (model shape ").append(own.get(k).shape()).append(')');
        for (String k : r.unexpectedKeys()) sb.append("\n  unexpected key '").append(k).append("' (shape ").append(state.get(k).shapeUnchecked()).append(')');
        for (var m : r.shapeMismatches())
            sb.append("\n  shape mismatch for '").append(m.key()).append("': model has ").append(m.modelShape())
                    .append(", state dict has ").append(m.stateDictShape());
        return sb.toString();
    }
}
