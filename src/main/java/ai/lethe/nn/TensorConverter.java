// Replaces every parameter and buffer of a module tree by a converted copy (Module.to(Device), to(DType)).
// Each distinct tensor is converted once, so a tensor shared by two modules stays shared; the copy keeps
// requiresGrad, takes the gradient along, and goes to the scope that owned the original, which is freed.
package ai.lethe.nn;

import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

final class TensorConverter {
    private TensorConverter() {}

    static void convert(Module root, UnaryOperator<Tensor> fn) {
        Map<Tensor, Tensor> done = new IdentityHashMap<>();
        try (var _ = GradMode.noGrad()) {
            for (Module m : root.namedModules().values()) {
                replaceAll(m, m.ownParameters(), fn, done);
                replaceAll(m, m.ownBuffers(), fn, done);
            }
        }
        for (var e : done.entrySet()) {
            Tensor old = e.getKey();
            if (e.getValue() != old) {
                old.zeroGrad();
                old.close();
            }
        }
    }

    private static void replaceAll(Module m, Map<String, Tensor> slots, UnaryOperator<Tensor> fn, Map<Tensor, Tensor> done) {
        for (var e : slots.entrySet()) {
            Tensor old = e.getValue();
            if (old == null) continue;
            Tensor now = done.get(old);
            if (now == null) {
                now = convertOne(m, old, fn);
                done.put(old, now);
            }
            e.setValue(now);
        }
    }

    private static Tensor convertOne(Module m, Tensor old, UnaryOperator<Tensor> fn) {
        Tensor now = fn.apply(old);
        if (now == old) return old;
        Scope target = old.owner() != null ? old.owner() : m.ownScope();
        Scope.moveTo(now, target);
        if (old.requiresGrad()) now.setRequiresGrad(true);
        Tensor g = old.grad();
        if (g != null && !g.isClosed()) {
            Tensor movedGrad = fn.apply(g);
            if (movedGrad == g) movedGrad = g.contiguousCopy();
            Scope.moveTo(movedGrad, target);
            now.setGrad(movedGrad);
        }
        return now;
    }
}
