// `-o alpha=auto` for SSD and LF-SSD (issue 16, item 4): before the run, the tuner bisects α on the validation splits
// (class forgetting: the forgotten class's test accuracy at most chance; random: forget accuracy at the test
// accuracy) with every other option as given, and the run uses the chosen α. Other methods and other keys do not
// take "auto" (use `lethe tune`, which searches every key that is not given).
package ai.lethe.tune;

import ai.lethe.models.ImageModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

public final class AutoOptions {
    private AutoOptions() {}

    private static final Set<String> AUTO_ALPHA = Set.of("ssd", "lf-ssd");

    /** Whether {@code options} ask for a value to be tuned ("auto"); IllegalArgumentException where auto is not supported. */
    public static boolean hasAuto(String method, Map<String, String> options) {
        boolean any = false;
        for (var e : options.entrySet()) {
            if (!SearchSpace.AUTO.equals(e.getValue())) continue;
            if (!AUTO_ALPHA.contains(method) || !e.getKey().equals("alpha"))
                throw new IllegalArgumentException(method + ": option '" + e.getKey() + "' does not take 'auto' (only ssd and lf-ssd's alpha "
                        + "does); use `lethe tune --method " + method + "` to search it");
            any = true;
        }
        return any;
    }

    /**
     * {@code options} with alpha=auto replaced by the tuned α (unchanged when nothing is "auto"); the trials and the
     * result go to {@code out} when it is not null.
     */
    public static TuneResult resolve(ImageModel original, TuneData data, String method, Map<String, String> options, Tuner.Settings settings,
                                     Path out, Consumer<String> progress) throws IOException {
        if (!hasAuto(method, options)) throw new IllegalArgumentException(method + ": no option is 'auto'; nothing to resolve");
        return new Tuner(data, settings, null, out, progress).tune(original, method, options);
    }
}
