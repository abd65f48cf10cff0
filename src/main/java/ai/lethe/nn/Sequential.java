// A chain of modules (torch.nn.Sequential): children named "0", "1", ... (or given names), forward feeds
// each one's output to the next.
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;
import java.util.Map;

public class Sequential extends Module {
    public Sequential(Module... modules) {
        for (Module m : modules) append(m);
    }

    /** Children with the given names, in the map's order (torch's Sequential(OrderedDict(...))). */
    public Sequential(Map<String, ? extends Module> named) {
        for (var e : named.entrySet()) registerModule(e.getKey(), e.getValue());
    }

    /** Adds {@code m} at the end under the next index. Returns this. */
    public Sequential append(Module m) {
        registerModule(Integer.toString(size()), m);
        return this;
    }

    public int size() { return namedChildren().size(); }

    /** The i-th child (negative counts from the end). */
    public Module get(int i) { return childAt(i); }

    @Override protected Tensor compute(Tensor x) {
        Tensor y = x;
        for (Module m : children()) y = m.forward(y);
        return y;
    }
}
