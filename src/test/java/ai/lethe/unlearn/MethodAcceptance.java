// What every unlearning method's acceptance test on the shared Fashion-MNIST task (forget class 3) asserts, as a
// list of violated expectations so that the same checks can be shown to fail for a method that does nothing:
//   - the method changed the model: at least one parameter element differs from the original's;
//   - in the direction it exists for: the forget accuracy (Probes; class forgetting: on the forgotten class's test
//     samples) is at most the test's bound and at least MIN_MARGIN (5 points) below the original's on the same
//     samples, both measured in the same run;
//   - it kept the rest: the retain accuracy (the other classes' test samples) is at least the test's bound;
//   - the original model is untouched: the run works on a copy (ModelCopies, as experiments do) of one original
//     loaded once per run (from the task's cached checkpoint) and never handed to a method, and every parameter
//     and buffer of that original is bit-identical afterwards to the snapshot taken when it was loaded;
//   - the model is left in eval mode.
// NoOpDouble registers, under a method's real name, a double that parses the method's options like the method
// and then returns the model unchanged.
package ai.lethe.unlearn;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.Dataset;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelCopies;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

public final class MethodAcceptance {
    /** The least drop of the forget accuracy below the original's that counts as forgetting. */
    public static final double MIN_MARGIN = 0.05;

    private static ImageModel shared;
    private static StateSnapshot sharedSnapshot;

    private MethodAcceptance() {}

    /** The original all acceptance runs copy, loaded once (kept open for the JVM's life), and its bits at load. */
    static synchronized ImageModel sharedOriginal(FashionForgetTask task) {
        if (shared == null) {
            shared = task.original();
            sharedSnapshot = StateSnapshot.of(shared);
        }
        return shared;
    }

    /** The test's bounds: forget accuracy at most {@code forgetAtMost}, retain accuracy at least {@code retainAtLeast}. */
    public record Expect(double forgetAtMost, double retainAtLeast) {}

    /** What one run measured. */
    public record Outcome(String method, Map<String, String> options, double forget, double retain, double originalForget,
                          double originalRetain, double l1Norm, long changedElements, List<String> originalChanges,
                          boolean evalMode, UnlearnResult result) {}

    /** The samples the forget and retain accuracies are measured on, and the original's accuracies on them. */
    public record Probes(Dataset forget, Dataset retain, double originalForget, double originalRetain) {
        /** Class forgetting: the forgotten class's test samples and the other classes'. */
        static Probes classForgetting(FashionForgetTask task) {
            FashionForgetTask.Accuracies a = task.originalAccuracy();
            return new Probes(task.sets.forgetTest(), task.sets.retainTest(), a.forgetTest(), a.retainTest());
        }
    }

    /** Runs {@code method} with {@code options} on a copy of the task's shared original (class forgetting). */
    public static Outcome run(FashionForgetTask task, String method, Map<String, String> options, UnlearnContext context) {
        return run(task, method, options, context, Probes.classForgetting(task));
    }

    /** As above, measuring on {@code probes}. */
    public static Outcome run(FashionForgetTask task, String method, Map<String, String> options, UnlearnContext context,
                              Probes probes) {
        ImageModel original = sharedOriginal(task);
        StateSnapshot before;
        synchronized (MethodAcceptance.class) {
            before = sharedSnapshot;
        }
        Unlearner u = Unlearners.create(method, options);
        try (ImageModel m = ModelCopies.copy(original)) {
            UnlearnResult r = u.run(m, context);
            Outcome o = new Outcome(method, Map.copyOf(options), task.accuracy(m, probes.forget), task.accuracy(m, probes.retain),
                    probes.originalForget, probes.originalRetain, l1Norm(m), before.changedParameterElements(m),
                    before.differences(original), !m.isTraining(), r);
            System.out.printf(Locale.ROOT, "%s %s: forget %.3f (original %.3f) retain %.3f (original %.3f), "
                            + "%d parameter elements changed, |theta|_1 %.2f, %.1f s%n", method, options, o.forget, o.originalForget,
                    o.retain, o.originalRetain, o.changedElements, o.l1Norm, r.seconds());
            r.log().forEach(l -> System.out.println("  " + l));
            return o;
        }
    }

    /** Σ|θ| over the model's parameters. */
    public static double l1Norm(ImageModel m) {
        double s = 0;
        for (Tensor p : m.parameters()) for (float v : p.toFloatArray()) s += Math.abs(v);
        return s;
    }

    /** The expectations {@code o} violates (empty: accepted). */
    public static List<String> violations(Outcome o, Expect e) {
        String what = o.method + " " + o.options;
        List<String> v = new ArrayList<>();
        if (o.changedElements == 0) v.add(what + " changed no parameter element");
        double forgetBound = Math.min(e.forgetAtMost, o.originalForget - MIN_MARGIN);
        if (!(o.forget <= forgetBound))
            v.add(String.format(Locale.ROOT, "%s: forget accuracy %.3f is not at most %.3f (the original's %.3f, bound %.3f, "
                    + "at least %.2f below the original's)", what, o.forget, forgetBound, o.originalForget, e.forgetAtMost, MIN_MARGIN));
        if (!(o.retain >= e.retainAtLeast))
            v.add(String.format(Locale.ROOT, "%s: retain accuracy %.3f is below %.3f (the original's %.3f)", what, o.retain,
                    e.retainAtLeast, o.originalRetain));
        if (!o.originalChanges.isEmpty()) v.add(what + " changed the original model: " + o.originalChanges);
        if (!o.evalMode) v.add(what + " left the model in training mode");
        return v;
    }

    /** Fails listing every violated expectation. */
    public static void assertAccepted(Outcome o, Expect e) {
        List<String> v = violations(o, e);
        assertTrue(v.isEmpty(), String.join("\n", v));
    }

    /**
     * While open, {@code name} is a double that builds the real method from its options (so the options are
     * checked exactly as before) and then does nothing to the model; closing it re-registers the real methods
     * with {@code restore}.
     */
    public static AutoCloseableRegistration noOpDouble(String name, Function<MethodOptions, Unlearner> real, Runnable restore) {
        Unlearners.register(name, o -> new NoOp(real.apply(o)));
        return restore::run;
    }

    /** An AutoCloseable whose close throws nothing. */
    public interface AutoCloseableRegistration extends AutoCloseable {
        @Override void close();
    }

    /** Takes the method's name, requirements and configuration, and returns the model unchanged. */
    record NoOp(Unlearner real) implements Unlearner {
        @Override public String name() { return real.name(); }
        @Override public Set<Requirement> requires() { return real.requires(); }
        @Override public String configJson() { return real.configJson(); }
        @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) { log.add("no-op double"); }
    }
}
