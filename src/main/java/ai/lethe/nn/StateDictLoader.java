// Module.loadStateDict: matches a state dict against the module's keys and shapes, then copies the values
// into the existing tensors under no-grad (moving them to the tensor's device and converting the dtype). In
// strict mode every problem is reported in one exception before anything is copied.
package ai.lethe.nn;

import ai.lethe.autograd.GradMode;
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
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) missing.add(e.getKey());
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
                Tensor v = src.device().equals(dst.device()) ? src : src.to(dst.device());
                if (v.rank() != dst.rank()) v = v.reshape(dst.shape());
                dst.copyFrom(v);
            }
        }
        return result;
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
