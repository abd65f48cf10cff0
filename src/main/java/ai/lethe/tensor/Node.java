// One recorded operation of the autograd tape: the op's name, its inputs (the graph's edges), the tensors
// its gradient rule needs (with their storage versions, to detect in-place modification), and the rule.
package ai.lethe.tensor;


public final class Node {
    /** A gradient rule: given dL/d(output), returns dL/d(input_i) for each input (null where not needed). */
    @FunctionalInterface
    public interface BackwardFn {
        Tensor[] apply(Tensor grad, boolean[] needsGrad);
    }

    private final String op;
    private final Tensor[] inputs;
    private final boolean[] needsGrad;
    private final Tensor[] saved;
    private final int[] savedVersions;
    private final BackwardFn fn;
    private Tensor retainedOutput;

    private Node(String op, Tensor[] inputs, Tensor[] saved, BackwardFn fn) {
        this.op = op;
        this.inputs = inputs;
        this.fn = fn;
        this.needsGrad = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) needsGrad[i] = inputs[i] != null && inputs[i].requiresGrad();
        this.saved = saved;
        this.savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) savedVersions[i] = saved[i].version();
    }

    /**
     * Records {@code out = op(inputs)} when grad mode is on and an input requires grad: {@code out} then
     * requires grad and its gradient flows through {@code fn}. Returns {@code out}.
     */
    public static Tensor record(Tensor out, String op, Tensor[] inputs, Tensor[] saved, BackwardFn fn) {
        if (!GradMode.isEnabled()) return out;
        boolean any = false;
        for (Tensor t : inputs) any |= t != null && t.requiresGrad();
        if (!any) return out;
        out.attachGradFn(new Node(op, inputs, saved, fn));
        return out;
    }

    /** Whether any of {@code inputs} would make a recorded op's output require grad. */
    public static boolean wouldRecord(Tensor... inputs) {
        if (!GradMode.isEnabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    public String op() { return op; }

    Tensor[] inputs() { return inputs; }

    boolean[] needsGrad() { return needsGrad; }

    /** Makes the engine store the gradient of {@code output} (a non-leaf) in its {@code grad}. */
    public void retainGradOf(Tensor output) { this.retainedOutput = output; }

    Tensor retainedOutput() { return retainedOutput; }

    Tensor[] apply(Tensor grad) {
        for (int i = 0; i < saved.length; i++) {
            if (saved[i].isClosed())
                throw new IllegalStateException("backward through " + op + ": a tensor it saved (shape "
                        + saved[i].shapeUnchecked() + ") was freed (its scope closed) before backward");
            if (saved[i].version() != savedVersions[i])
                throw new IllegalStateException("backward through " + op + ": a tensor it saved (shape "
                        + saved[i].shape() + ") was modified by an in-place operation after it was used");
        }
        Tensor[] grads = fn.apply(grad, needsGrad);
        if (grads.length != inputs.length)
            throw new IllegalStateException("gradient rule of " + op + " returned " + grads.length
                    + " gradients for " + inputs.length + " inputs");
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] != null && !grads[i].shape().equals(inputs[i].shapeUnchecked()))
                throw new IllegalStateException("gradient rule of " + op + " returned shape " + grads[i].shape()
                        + " for input " + i + " of shape " + inputs[i].shapeUnchecked());
        }
        return grads;
    }

    @Override public String toString() { return "Node(" + op + ")"; }
}
