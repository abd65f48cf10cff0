// Argument checks shared by the tensor-level kernels: each failure is an exception that names the op, the
// argument and what it got (shape, dtype, device), and the dense, same-dtype copies the kernels need.
package ai.lethe.kernels;

import ai.lethe.backend.View;
import ai.lethe.tensor.Tensor;
import java.util.function.Consumer;

final class Args {
    private Args() {}

    /** t must be non-null, open and floating point. Returns t. */
    static Tensor tensor(String op, String name, Tensor t) {
        if (t == null) throw new IllegalArgumentException(op + ": " + name + " is null");
        t.checkOpen(op + " (" + name + ")");
        if (!t.dtype().isFloatingPoint())
            throw new IllegalArgumentException(op + ": " + name + " of shape " + t.shape() + " has dtype " + t.dtype()
                    + "; a floating-point tensor is needed");
        return t;
    }

    /** other must be a tensor of the shape and on the device of ref. */
    static void like(String op, String name, Tensor other, String refName, Tensor ref) {
        tensor(op, name, other);
        if (!other.shape().equals(ref.shape()))
            throw new IllegalArgumentException(op + ": " + name + " has shape " + other.shape() + " but " + refName
                    + " has shape " + ref.shape() + "; they must match");
        sameDevice(op, name, other, refName, ref);
    }

    static void sameDevice(String op, String name, Tensor other, String refName, Tensor ref) {
        if (!other.device().equals(ref.device()))
            throw new IllegalArgumentException(op + ": " + name + " is on " + other.device() + " but " + refName
                    + " is on " + ref.device());
    }

    /** t with ref's dtype, contiguous (t itself when it already is). */
    static Tensor dense(Tensor t, Tensor ref) {
        Tensor c = t.dtype() == ref.dtype() ? t : t.to(ref.dtype());
        return c.isContiguous() ? c : c.contiguousCopy();
    }

    /** value must be finite and > 0. */
    static double positive(String op, String name, double value) {
        if (!(value > 0) || Double.isInfinite(value))
            throw new IllegalArgumentException(op + ": " + name + " must be a finite number > 0, got " + value);
        return value;
    }

    /** value must be finite and >= 0. */
    static double nonNegative(String op, String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value))
            throw new IllegalArgumentException(op + ": " + name + " must be a finite number >= 0, got " + value);
        return value;
    }

    /** value must be finite. */
    static double finite(String op, String name, double value) {
        if (!Double.isFinite(value))
            throw new IllegalArgumentException(op + ": " + name + " must be a finite number, got " + value);
        return value;
    }

    /**
     * Runs an in-place kernel on target's view and records the write (storage version): on the tensor itself when
     * it is contiguous, else on a contiguous copy that is then written back. Call under no-grad, in a scope.
     */
    static void inPlace(Tensor target, Consumer<View> kernel) {
        if (target.isContiguous()) {
            kernel.accept(target.kernelView());
            target.markModified();
            return;
        }
        Tensor copy = target.contiguousCopy();
        kernel.accept(copy.kernelView());
        target.copyFrom(copy);
    }
}
