// The autograd engine's leaf-gradient hook (Engine.onLeafGradient), which the gradient buckets start their
// all-reduces from: it hears each leaf exactly once per backward, only when the leaf's gradient is final — a
// parameter used twice is reported after both contributions are summed — also for a leaf that is the root itself,
// and not at all once the registration is closed.
package ai.lethe.train.parallel;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.tensor.Engine;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeafGradientHookTest {
    @Test void eachLeafOnceWithItsFinalGradient() {
        try (Scope _ = Scope.open("hook")) {
            Tensor w = Tensor.fromArray(new float[] {2f, -1f}, 2), b = Tensor.fromArray(new float[] {0.5f}, 1);
            w.setRequiresGrad(true);
            b.setRequiresGrad(true);
            Tensor x = Tensor.fromArray(new float[] {3f, 4f}, 2);
            // y = sum(x*w) + sum(x*w*w) + 2b: w reaches the loss along three edges, b along one
            Tensor y = x.mul(w).sum().add(x.mul(w).mul(w).sum()).add(b.mul(2).sum());
            Map<Tensor, float[]> heard = new IdentityHashMap<>();
            List<Tensor> order = new ArrayList<>();
            try (Engine.HookRegistration _ = Engine.onLeafGradient(leaf -> {
                assertFalse(heard.containsKey(leaf), "a leaf reported twice");
                heard.put(leaf, leaf.grad().toFloatArray());
                order.add(leaf);
            })) {
                y.backward();
            }
            assertEquals(2, heard.size());
            // dy/dw = x + 2xw = {3 + 12, 4 - 8}; dy/db = 2
            assertArrayEquals(new float[] {15f, -4f}, heard.get(w));
            assertArrayEquals(w.grad().toFloatArray(), heard.get(w), "reported with its final gradient");
            assertArrayEquals(new float[] {2f}, heard.get(b));
        }
    }

    @Test void aLeafRootAndAClosedRegistration() {
        try (Scope _ = Scope.open("hook")) {
            Tensor w = Tensor.fromArray(new float[] {1f}, 1);
            w.setRequiresGrad(true);
            List<Tensor> heard = new ArrayList<>();
            Engine.HookRegistration r = Engine.onLeafGradient(heard::add);
            w.backward(Tensor.ones(1));   // the root is the leaf: no graph to walk
            assertEquals(List.of(w), heard);
            assertArrayEquals(new float[] {1f}, w.grad().toFloatArray());
            r.close();
            w.sum().backward();
            assertEquals(1, heard.size(), "no report after the registration is closed");
        }
    }
}
