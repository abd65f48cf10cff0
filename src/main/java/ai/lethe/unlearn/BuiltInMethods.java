// The methods Lethe ships, registered in Unlearners when it is first used: the training-based ones
// (ai.lethe.unlearn.train) and the Fisher/Hessian-based ones (ai.lethe.unlearn.ssd, .noise, .influence).
package ai.lethe.unlearn;

import ai.lethe.unlearn.ssd.FisherMethods;
import ai.lethe.unlearn.train.TrainingMethods;

final class BuiltInMethods {
    private BuiltInMethods() {}

    static void registerAll() {
        TrainingMethods.registerAll();
        FisherMethods.registerAll();
    }
}
