// Forget the poisoned samples of a backdoored training set (the sparsity paper's Trojan cleanse): the training
// set must be an ai.lethe.data.poison.Poisoned one (lethe unlearn rebuilds it from the model's run folder, poison.json);
// Df = its poisoned samples with their poisoned labels and stamped images, Dr = the clean rest. Evaluation, as for
// random and index requests: the forget set itself is the forget-test set and the whole (clean) test set is the
// retain-test set, so TA is the clean test accuracy (SA) of the backdoor literature.
package ai.lethe.data.split;

public record PoisonForget() implements ForgetRequest {
    static final String SPEC = "poisoned";

    @Override public String kind() { return SPEC; }

    @Override public String spec() { return SPEC; }
}
