// Registers the Fisher/Hessian-based unlearning methods with Unlearners: "ssd" and "lf-ssd" (Selective Synaptic
// Dampening and its loss-free variant), "ff" (Fisher Forgetting) and "iu" (Influence Unlearning, WoodFisher).
package ai.lethe.unlearn.ssd;

import ai.lethe.unlearn.Unlearners;
import ai.lethe.unlearn.influence.InfluenceUnlearning;
import ai.lethe.unlearn.noise.FisherForgetting;

public final class FisherMethods {
    private FisherMethods() {}

    public static void registerAll() {
        Unlearners.register("ssd", Ssd::new);
        Unlearners.register("lf-ssd", Ssd::lossFree);
        Unlearners.register("ff", FisherForgetting::new);
        Unlearners.register("iu", InfluenceUnlearning::new);
    }
}
