// An indexable list of modules (torch.nn.ModuleList): children named "0", "1", ...; it has no forward of its
// own, the module holding it decides how to call them.
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;
import java.util.Iterator;
import java.util.List;

public class ModuleList extends Module implements Iterable<Module> {
    public ModuleList(Module... modules) {
        for (Module m : modules) append(m);
    }

    public ModuleList(List<? extends Module> modules) {
        for (Module m : modules) append(m);
    }

    /** Adds {@code m} at the end under the next index. Returns this. */
    public ModuleList append(Module m) {
        registerModule(Integer.toString(size()), m);
        return this;
    }

    public int size() { return namedChildren().size(); }

    /** The i-th module (negative counts from the end). */
    public Module get(int i) { return childAt(i); }

    @Override public Iterator<Module> iterator() { return children().iterator(); }

    /** ModuleList has no forward; iterate it and call its modules. */
    @Override protected Tensor compute(Tensor x) {
        throw new UnsupportedOperationException("ModuleList has no forward: call its modules (get(i).forward(x)) from the module that holds it");
    }
}
