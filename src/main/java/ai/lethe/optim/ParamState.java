// What an optimizer keeps for one parameter between steps: named buffers of the parameter's shape (momentum,
// moment estimates), owned by the optimizer's scope, and a step counter (Adam's bias correction).
package ai.lethe.optim;

import ai.lethe.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

public final class ParamState {
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private long step;

    ParamState() {}

    /** The buffer called {@code name}, or null if it was not created yet. */
    public Tensor buffer(String name) { return buffers.get(name); }

    /** Every buffer by name, in creation order (read-only). */
    public Map<String, Tensor> buffers() { return Collections.unmodifiableMap(buffers); }

    /** Steps taken with this parameter (counted by optimizers that need it). */
    public long step() { return step; }

    /** Counts one more step and returns the new count. */
    public long incrementStep() { return ++step; }

    void put(String name, Tensor buffer) { buffers.put(name, buffer); }

    void setStep(long step) { this.step = step; }

    boolean isEmpty() { return buffers.isEmpty() && step == 0; }
}
