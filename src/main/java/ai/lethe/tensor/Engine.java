// The backward pass: from a root tensor, walks the recorded graph in dependency order (every node runs once,
// after all gradients flowing into it have been summed), applies each node's rule, and accumulates into the
// .grad of leaves that require grad. Intermediate gradients are freed as soon as they are consumed.
// A leaf-gradient hook (onLeafGradient), installed for the current thread, hears each leaf once its .grad is final
// for this backward pass (every edge into it has delivered its gradient): data-parallel training starts the
// all-reduce of a bucket of parameter gradients as soon as the last of them is ready, overlapping the rest of backward.
package ai.lethe.tensor;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

public final class Engine {
    private Engine() {}

    /** Hears that {@code leaf}'s gradient is final for the running backward pass (its grad() may be null). */
    @FunctionalInterface
    public interface LeafGradientHook {
        void ready(Tensor leaf);
    }

    /** The installed hook; close to uninstall (restores the previous one). */
    public interface HookRegistration extends AutoCloseable {
        @Override void close();
    }

    private static final ThreadLocal<LeafGradientHook> LEAF_HOOK = new ThreadLocal<>();

    /** Installs {@code hook} for backward passes run on this thread until the registration is closed. */
    public static HookRegistration onLeafGradient(LeafGradientHook hook) {
        java.util.Objects.requireNonNull(hook, "hook");
        LeafGradientHook previous = LEAF_HOOK.get();
        LEAF_HOOK.set(hook);
        return () -> { if (previous == null) LEAF_HOOK.remove(); else LEAF_HOOK.set(previous); };
    }

    /** Runs backward from {@code root} with upstream gradient {@code gradient} (null: 1 for a scalar root). */
    public static void backward(Tensor root, Tensor gradient) {
        root.checkOpen("backward");
        if (!root.requiresGrad())
            throw new IllegalStateException("backward: the tensor of shape " + root.shape() + " does not require grad"
                    + " (no input of the computation had requiresGrad, or it was computed under noGrad)");
        Tensor seed;
        try (var _ = GradMode.noGrad()) {
            if (gradient == null) {
                if (root.numel() != 1)
                    throw new IllegalArgumentException("backward: called on a non-scalar tensor of shape " + root.shape()
                            + " without a gradient; pass the gradient with backward(grad)");
                seed = Tensor.onesLike(root);
            } else {
                gradient.checkOpen("backward");
                if (!gradient.shape().equals(root.shape()))
                    throw new IllegalArgumentException("backward: gradient of shape " + gradient.shape()
                            + " does not match the tensor's shape " + root.shape());
                if (!gradient.device().equals(root.device()))
                    throw new IllegalArgumentException("backward: gradient is on " + gradient.device()
                            + " but the tensor is on " + root.device());
                if (gradient.dtype() != root.dtype())
                    throw new IllegalArgumentException("backward: gradient is " + gradient.dtype()
                            + " but the tensor is " + root.dtype());
                seed = gradient.detach();
            }
            Node rootNode = root.gradFn();
            if (rootNode == null) {
                accumulateLeaf(root, seed);
                LeafGradientHook hook = LEAF_HOOK.get();
                if (hook != null) hook.ready(root);
                return;
            }
            run(rootNode, seed);
        }
    }

    private static void run(Node rootNode, Tensor seed) {
        Map<Node, Integer> deps = new IdentityHashMap<>();
        LeafGradientHook hook = LEAF_HOOK.get();
        Map<Tensor, Integer> leafEdges = hook == null ? null : new IdentityHashMap<>();
        ArrayDeque<Node> walk = new ArrayDeque<>();
        walk.push(rootNode);
        deps.put(rootNode, 0);
        while (!walk.isEmpty()) {
            Node n = walk.pop();
            Tensor[] ins = n.inputs();
            for (int i = 0; i < ins.length; i++) {
                Tensor in = ins[i];
                if (in != null && in.gradFn() == null && leafEdges != null && n.needsGrad()[i]) leafEdges.merge(in, 1, Integer::sum);
                if (in == null || in.gradFn() == null) continue;
                Node child = in.gradFn();
                Integer c = deps.get(child);
                if (c == null) walk.push(child);
                deps.put(child, c == null ? 1 : c + 1);
            }
        }
        Map<Node, Tensor> pending = new IdentityHashMap<>();
        pending.put(rootNode, seed);
        ArrayDeque<Node> ready = new ArrayDeque<>();
        ready.push(rootNode);
        while (!ready.isEmpty()) {
            Node n = ready.pop();
            Tensor g = pending.remove(n);
            Tensor[] grads = null;
            if (g != null) {
                Tensor out = n.retainedOutput();
                if (out != null && !out.isClosed()) out.acceptGrad(g);
                grads = n.apply(g);
                for (int i = 0; i < grads.length; i++) {
                    if (grads[i] == null) continue;
                    boolean aliased = grads[i] == g;
                    for (int j = 0; j < i && !aliased; j++) aliased = grads[j] == grads[i];
                    if (aliased) grads[i] = grads[i].detach();
                }
                g.close();
            }
            Tensor[] inputs = n.inputs();
            for (int i = 0; i < inputs.length; i++) {
                Tensor in = inputs[i];
                Tensor gi = grads == null ? null : grads[i];
                if (in == null || !n.needsGrad()[i]) {
                    if (gi != null) gi.close();
                    continue;
                }
                Node child = in.gradFn();
                if (child == null) {
                    if (gi != null) accumulateLeaf(in, gi);
                    if (leafEdges != null && leafEdges.merge(in, -1, Integer::sum) == 0) hook.ready(in);
                    continue;
                }
                if (gi != null) {
                    Tensor prev = pending.get(child);
                    if (prev == null) pending.put(child, gi);
                    else {
                        pending.put(child, prev.add(gi));
                        prev.close();
                        gi.close();
                    }
                }
                int left = deps.get(child) - 1;
                deps.put(child, left);
                if (left == 0) ready.push(child);
            }
        }
    }

    private static void accumulateLeaf(Tensor leaf, Tensor g) {
        if (leaf.isClosed())
            throw new IllegalStateException("backward: a leaf tensor of shape " + leaf.shapeUnchecked()
                    + " that requires grad was closed before its gradient arrived");
        Tensor current = leaf.grad();
        if (current == null || current.isClosed()) {
            Tensor copy = g.contiguousCopy();
            g.close();
            Scope.moveTo(copy, leaf.owner());
            leaf.setGrad(copy);
        } else {
            current.addInPlace(g, 1.0);
            g.close();
        }
    }
}
