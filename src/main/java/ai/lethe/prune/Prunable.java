// Which tensors pruning touches (ALGORITHMS.md, "Pruning"): the weight of every Conv2d — a ResNet's stem, its
// block convs and its 1×1 shortcut convs; a ViT's patch-embedding conv (its only conv: a ViT's attention and MLP
// Linears are not pruned, as in Unlearn-Sparse, which prunes nn.Conv2d only). Linear layers, normalisation
// layers and biases are never pruned.
package ai.lethe.prune;

import ai.lethe.nn.Conv2d;
import ai.lethe.nn.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public final class Prunable {
    private Prunable() {}

    /** The dotted names of the prunable parameters of {@code model}, in module order ("conv1.weight", ...). */
    public static List<String> names(Module model) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet())
            if (e.getValue() instanceof Conv2d) out.add(e.getKey().isEmpty() ? "weight" : e.getKey() + ".weight");
        return out;
    }

    /**
     * The prunable names, refusing a model without any with an IllegalArgumentException naming {@code op} and
     * the model.
     */
    public static List<String> require(String op, Module model) {
        List<String> names = names(model);
        if (names.isEmpty())
            throw new IllegalArgumentException(op + ": the model " + model.getClass().getSimpleName()
                    + " has no prunable tensor (pruning prunes Conv2d weights; it has none)");
        return names;
    }

    /** Total entries of the prunable tensors. */
    public static long count(Module model) {
        Map<String, ai.lethe.tensor.Tensor> params = model.namedParameters();
        long n = 0;
        for (String name : names(model)) n += params.get(name).numel();
        return n;
    }
}
