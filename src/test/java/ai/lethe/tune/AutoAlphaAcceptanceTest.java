// alpha=auto on the shared Fashion-MNIST task (width-16 ResNet18, forget class 3; FashionForgetTask): the tuner's
// α bisection, run through an instrumented predictor, never evaluates a sample of Df (every evaluated sample is traced
// to its root dataset and index); SSD with the chosen α, run on the real Df and Dr as `lethe unlearn` would, leaves
// the forgotten class's test accuracy at or under the target (chance, 0.1) and the other classes' test accuracy
// within 15 points of the original's; trials.jsonl holds one line per trial and options.txt the `-o` options.
// The default α 10 does not reach the target here (|D|/|Df| = 10: see FisherMethodsAcceptanceTest).
package ai.lethe.tune;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.Dataset;
import ai.lethe.data.Subset;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelCopies;
import ai.lethe.unlearn.FashionForgetTask;
import ai.lethe.unlearn.Unlearners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoAlphaAcceptanceTest {
    static final double RETAIN_BAND = 0.15;

    /** The (root dataset, index in it) of every sample of {@code d}. */
    static List<Map.Entry<Dataset, Integer>> roots(Dataset d) {
        List<Map.Entry<Dataset, Integer>> out = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            Dataset cur = d;
            int idx = i;
            while (cur instanceof Subset s) {
                idx = s.indices()[idx];
                cur = s.base();
            }
            out.add(Map.entry(cur, idx));
        }
        return out;
    }

    @Test void autoAlphaForgetsTheClassKeepsTheRestAndNeverEvaluatesOnDf(@TempDir Path dir) throws Exception {
        FashionForgetTask task = FashionForgetTask.get();
        FashionForgetTask.Accuracies original = task.originalAccuracy();
        TuneData data = new TuneData(task.data.train(), task.data.test(), task.split, task.sets, task.pipeline.evalTransform(),
                FashionForgetTask.CLASSES, task.recipe, FashionForgetTask.DEVICE, 2, 256);
        Set<Map.Entry<Dataset, Integer>> df = new HashSet<>(roots(task.sets.forget()));
        List<String> evaluated = new ArrayList<>();
        Predictor real = Predictor.of(data);
        Predictor instrumented = (model, set) -> {
            for (var s : roots(set)) assertFalse(df.contains(s), "the tuner evaluated sample " + s.getValue() + " of Df (in " + set.name() + ")");
            evaluated.add(set.name() + " (" + set.size() + ")");
            return real.predict(model, set);
        };
        Path out = dir.resolve("tune");
        TuneResult r;
        try (ImageModel m = task.original()) {
            r = new Tuner(data, Tuner.Settings.defaults().withBudget(6), instrumented, out, System.out::println).tune(m, "ssd", Map.of("alpha", "auto"));
        }
        assertFalse(evaluated.isEmpty());
        System.out.println("evaluated: " + new java.util.TreeSet<>(evaluated));
        assertEquals(r.trials().size() * 3, evaluated.size(), "three validation sets per trial");
        assertEquals(r.trials().size(), Files.readAllLines(out.resolve(TuneResult.TRIALS_FILE)).size());
        assertEquals(r.commandLine() + "\n", Files.readString(out.resolve(TuneResult.OPTIONS_FILE)));
        assertTrue(r.commandLine().startsWith("-o alpha="), r.commandLine());
        assertTrue(r.reached(), "some α reaches the target on the validation split: " + r.trials());
        double alpha = Double.parseDouble(r.options().get("alpha"));
        assertTrue(alpha < 10, "the chosen α " + alpha + " is below the default 10, which does not forget here");

        // the run `lethe unlearn -o alpha=<chosen>` makes: SSD on the real Df and Dr
        try (ImageModel m = task.original(); ImageModel copy = ModelCopies.copy(m)) {
            Unlearners.create("ssd", r.options()).run(copy, task.context(0));
            double forget = task.forgetTestAccuracy(copy), retain = task.retainTestAccuracy(copy);
            System.out.printf("ssd alpha=%s: forget-test %.3f (original %.3f), retain-test %.3f (original %.3f)%n", alpha, forget,
                    original.forgetTest(), retain, original.retainTest());
            assertTrue(forget <= 0.1, "forget-test accuracy " + forget + " <= chance 0.1");
            assertTrue(retain >= original.retainTest() - RETAIN_BAND, "retain-test accuracy " + retain + " within " + RETAIN_BAND
                    + " of the original's " + original.retainTest());
        }
    }

    @Test void anUnresolvedAutoAlphaRefusesToRun() {
        FashionForgetTask task = FashionForgetTask.get();
        var ssd = Unlearners.create("ssd", Map.of("alpha", "auto"));
        assertTrue(ssd.configJson().contains("\"alpha\":\"auto\""), ssd.configJson());
        try (ImageModel m = task.original()) {
            var e = assertThrows(IllegalArgumentException.class, () -> ssd.run(m, task.context(0)));
            assertTrue(e.getMessage().contains("alpha=auto"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Unlearners.create("ssd", Map.of("alpha", "often")));
    }
}
