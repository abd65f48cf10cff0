// The hyper-parameters of one parameter group, as an immutable value (SgdOptions, AdamOptions): schedulers
// change them through withLr / withCycleMomentum, checkpoints through toScalars / withScalars.
package ai.lethe.optim;

import java.util.Map;
import java.util.OptionalDouble;

public interface GroupOptions<O extends GroupOptions<O>> {

    /** The learning rate. */
    double lr();

    /** A copy with another learning rate (validated). */
    O withLr(double lr);

    /**
     * The momentum OneCycleLR cycles: SGD's momentum or Adam's β1; empty if the optimizer has none.
     */
    default OptionalDouble cycleMomentum() { return OptionalDouble.empty(); }

    /** A copy with another cycled momentum (validated); see {@link #cycleMomentum()}. */
    default O withCycleMomentum(double momentum) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no momentum to cycle");
    }

    /**
     * Every hyper-parameter under PyTorch's param_groups names (lr, momentum, weight_decay, betas.0, ...),
     * booleans as 1 and 0.
     */
    Map<String, Double> toScalars();

    /**
     * A copy with the given hyper-parameters (names as in {@link #toScalars()}, others kept). An unknown name
     * or a bad value is an IllegalArgumentException naming {@code keyPrefix + name}.
     */
    O withScalars(Map<String, Double> values, String keyPrefix);

    /**
     * What of these options decides which kernels a step queues on which memory, beyond the scalars the kernels take
     * (Optimizer.layoutKey); default: nothing (null).
     */
    default Object layout() { return null; }

    /** A boolean hyper-parameter from a checkpoint scalar: 1 or 0. */
    static boolean flag(String key, double value) {
        if (value == 1) return true;
        if (value == 0) return false;
        throw new IllegalArgumentException(key + " must be 0 or 1, got " + value);
    }
}
