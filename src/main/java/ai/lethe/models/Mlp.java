// timm's Mlp: fc1 Linear(dim, hidden), act GELU (exact, erf), drop1, fc2 Linear(hidden, dim), drop2; both
// dropouts use the ViT's dropout rate.
package ai.lethe.models;

import ai.lethe.nn.Dropout;
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

    @Override protected Tensor compute(Tensor x) {
        Tensor y = module("act").forward(module("fc1").forward(x));
        return module("drop2").forward(module("fc2").forward(module("drop1").forward(y)));
    }
}
