// Pruning masks as state of a model. The mask of parameter "layer1.0.conv1.weight" is a 0/1 tensor of the
// weight's shape, registered on the owning module as the non-persistent buffer "weight_mask": it moves with
// to(device), is freed with the model, and stays out of the state dict (so a pruned model's weights load into
// an unpruned model, as PyTorch's after prune.remove). Checkpoints save masks in their own file.
//
// Lethe keeps pruned weights at exactly zero instead of multiplying weight by mask in every forward (the two
// give the same outputs and gradients w.r.t. the unpruned entries): optimizers apply the mask in their fused
// update (attach), and code that writes weights directly (noise injection, Newton steps) calls reapply.
package ai.lethe.nn;

import ai.lethe.core.DType;
import ai.lethe.optim.Optimizer;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class Masks {
    /** The suffix of a mask buffer's name after its parameter's leaf name. */
    public static final String SUFFIX = "_mask";

    private Masks() {}

    /**
     * Sets (or replaces) the mask of {@code paramName} (dotted) to {@code mask}, which the model then owns, and
     * zeroes the pruned entries of the parameter now. The mask must have the parameter's shape, dtype and device
     * and hold only 0 and 1. As {@link #setAll} with one mask: one scalar read from the device.
     */
    public static void set(Module model, String paramName, Tensor mask) {
        Map<String, Tensor> one = new LinkedHashMap<>();
        one.put(paramName, mask);
        setAll(model, one);
    }

    /**
     * Sets (or replaces) the masks of the parameters named in {@code masks} (dotted name → mask), which the model then
     * owns, and zeroes their pruned entries now. Each mask must have its parameter's shape, dtype and device (checked
     * first, before anything changes) and hold only 0 and 1: that is checked on the device, every mask at once, with
     * ONE read of a small vector (one number per mask) whatever the number of masks — no per-tensor host round trip. A mask holding another value is an IllegalArgumentException naming the parameter, and then no
     * mask is set.
     */
    public static void setAll(Module model, Map<String, Tensor> masks) {
        String op = "Masks.setAll";
        if (masks.isEmpty()) return;
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (var e : masks.entrySet()) {
            String paramName = e.getKey();
            Tensor mask = e.getValue(), p = model.parameter(paramName);
            if (p == null) throw new IllegalArgumentException("Masks.set: parameter '" + paramName + "' is absent");
            if (mask == null) throw new IllegalArgumentException("Masks.set('" + paramName + "'): the mask is null");
            if (!mask.shape().equals(p.shape()) || mask.dtype() != p.dtype() || !mask.device().equals(p.device()))
                throw new IllegalArgumentException("Masks.set('" + paramName + "'): mask " + mask.shape() + " " + mask.dtype() + " on "
                        + mask.device() + " does not match the parameter " + p.shape() + " " + p.dtype() + " on " + p.device());
            params.put(paramName, p);
        }
        try (var _ = GradMode.noGrad()) {
            double[] off = offBinary(op, masks.values());
            int i = 0;
            for (var e : masks.entrySet()) {
                if (off[i++] != 0)
                    throw new IllegalArgumentException("Masks.set('" + e.getKey() + "'): a mask holds only 0 and 1, found "
                            + "another value (Σ|m(m − 1)| = " + off[i - 1] + ")");
            }
            for (var e : masks.entrySet()) {
                String paramName = e.getKey();
                int dot = paramName.lastIndexOf('.');
                Module owner = dot < 0 ? model : model.module(paramName.substring(0, dot));
                owner.registerBuffer(paramName.substring(dot + 1) + SUFFIX, e.getValue(), false);
                params.get(paramName).mulInPlace(e.getValue());
            }
        }
    }

    /**
     * Per mask, Σ |m (m − 1)| computed on the device: exactly 0 when every entry is 0 or 1, and positive, infinite or
     * NaN otherwise (a sum of non-negative terms is 0 only if each is); the sums are stacked and read in one copy.
     */
    private static double[] offBinary(String op, Iterable<Tensor> masks) {
        try (var _ = Scope.open(op)) {
            List<Tensor> sums = new ArrayList<>();
            for (Tensor m : masks) {
                Tensor d = m.detach();
                sums.add(d.mul(d.sub(1)).abs().sum().to(DType.FLOAT64));
            }
            return Tensor.stack(sums, 0).toDoubleArray();
        }
    }

    /** Removes every mask (the model becomes dense again; its zeros stay). */
    public static void clear(Module model) {
        for (var e : of(model).entrySet()) {
            String name = e.getKey();
            int dot = name.lastIndexOf('.');
            Module owner = dot < 0 ? model : model.module(name.substring(0, dot));
            owner.registerBuffer(name.substring(dot + 1) + SUFFIX, null, false);
        }
    }

    /** The masks of {@code model} by parameter name, in parameter order (empty for a dense model). */
    public static Map<String, Tensor> of(Module model) {
        Map<String, Tensor> buffers = model.namedBuffers();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : model.namedParameters().keySet()) {
            Tensor m = buffers.get(name + SUFFIX);
            if (m != null) out.put(name, m);
        }
        return out;
    }

    /** Whether the model has any mask. */
    public static boolean any(Module model) { return !of(model).isEmpty(); }

    /**
     * Hands the model's masks to {@code optimizer} (which must have been built over the model's parameters):
     * its updates keep pruned entries and their state at exactly zero. Parameters the optimizer does not hold
     * are skipped. Returns the optimizer.
     */
    public static <O extends Optimizer<?>> O attach(O optimizer, Module model) {
        Map<String, Tensor> params = model.namedParameters();
        for (var e : of(model).entrySet()) {
            Tensor p = params.get(e.getKey());
            if (optimizer.holds(p)) optimizer.setMask(p, e.getValue());
        }
        return optimizer;
    }

    /** Sets every pruned weight back to exactly zero (after code that wrote weights directly). */
    public static void reapply(Module model) {
        Map<String, Tensor> params = model.namedParameters();
        try (var _ = GradMode.noGrad()) {
            for (var e : of(model).entrySet()) params.get(e.getKey()).mulInPlace(e.getValue());
        }
    }

    /**
     * Pruned entries / masked entries over the masked tensors (0 for a dense model): the kept entries are summed on the
     * device and read once, whatever the number of masks.
     */
    public static double sparsity(Module model) {
        long total = 0;
        List<Tensor> kept = new ArrayList<>();
        try (var _ = GradMode.noGrad(); var _ = Scope.open("Masks.sparsity")) {
            for (Tensor m : of(model).values()) {
                total += m.numel();
                kept.add(m.sum().to(DType.FLOAT64));
            }
            if (total == 0) return 0;
            double sum = 0;
            for (double k : Tensor.stack(kept, 0).toDoubleArray()) sum += k;
            return 1 - sum / total;
        }
    }
}
