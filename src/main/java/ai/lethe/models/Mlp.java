// timm's Mlp: fc1 Linear(dim, hidden), act GELU (exact, erf), drop1, fc2 Linear(hidden, dim), drop2; both
// dropouts use the ViT's dropout rate. fc1's bias add and the GELU run as one fused op when no hook needs fc1's output.
package ai.lethe.models;

import ai.lethe.nn.Dropout;
import ai.lethe.nn.FusedLinear;
import ai.lethe.nn.GELU;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

public final class Mlp extends Module {
    public Mlp(int dim, int hidden, double drop, Generator gen) {
        registerModule("fc1", new Linear(dim, hidden, true, gen));
        registerModule("act", new GELU());
        registerModule("drop1", new Dropout(drop, gen));
        registerModule("fc2", new Linear(hidden, dim, true, gen));
        registerModule("drop2", new Dropout(drop, gen));
    }

    /**
     * fc1's bias add and the GELU are one fused op (FusedLinear.linearGelu) unless a forward hook on fc1 or act needs
     * the tensor between them; then the modules run (same values).
     */
    @Override protected Tensor compute(Tensor x) {
        Module fc1 = module("fc1"), act = module("act");
        Tensor y = act instanceof GELU g && fc1 instanceof Linear && fc1.parameter("bias") != null && !fc1.hasForwardHooks()
                && !act.hasForwardHooks()
                ? FusedLinear.linearGelu(x, fc1.parameter("weight"), fc1.parameter("bias"), g.approximateTanh())
                : act.forward(fc1.forward(x));
        return module("drop2").forward(module("fc2").forward(module("drop1").forward(y)));
    }
}
