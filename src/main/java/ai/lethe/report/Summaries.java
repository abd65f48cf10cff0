// Aggregation of a report's runs per method, Retrain first, then the methods in order of first appearance.
// Per run, before averaging over seeds:
//   RTE ratio = seconds / Retrain's seconds, and
//   gap to Retrain = mean over UA, MIA-efficacy, RA, TA of |metric − Retrain's metric|,
// where "Retrain's" is the Retrain run of the same seed when the report has one, else the mean over Retrain's runs
// (NaN when the report has no Retrain run; the gap ignores metrics undefined for either side, NaN if all are).
package ai.lethe.report;

import ai.lethe.eval.MetricSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

public final class Summaries {
    private Summaries() {}

    /** The metrics the gap to Retrain averages over. */
    static final List<ToDoubleFunction<MetricSet>> GAP_METRICS = List.of(MetricSet::ua, MetricSet::miaEfficacy, MetricSet::ra, MetricSet::ta);

    public static List<MethodSummary> of(Report report) {
        Map<String, List<MethodRun>> byMethod = new LinkedHashMap<>();
        report.runs().stream().filter(MethodRun::isRetrain).forEach(r -> byMethod.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r));
        report.runs().stream().filter(r -> !r.isRetrain()).forEach(r -> byMethod.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r));
        List<MethodRun> retrain = byMethod.getOrDefault(MethodRun.RETRAIN, List.of());
        List<MethodSummary> out = new ArrayList<>();
        for (var e : byMethod.entrySet()) {
            List<MethodRun> runs = e.getValue();
            out.add(new MethodSummary(e.getKey(), runs.size(), stat(runs, r -> r.metrics().ua()), stat(runs, r -> r.metrics().miaEfficacy()),
                    stat(runs, r -> r.metrics().ra()), stat(runs, r -> r.metrics().ta()), stat(runs, r -> r.metrics().forgetTestAccuracy()),
                    stat(runs, r -> r.metrics().ssdMia()), stat(runs, r -> r.metrics().zrf()), stat(runs, MethodRun::seconds),
                    stat(runs, r -> rteRatio(r, retrain)), stat(runs, r -> gap(r, retrain)), stat(runs, MethodRun::sparsity),
                    stat(runs, r -> r.metrics().asr()), stat(runs, r -> r.metrics().asrNonTarget())));
        }
        return out;
    }

    private static Stat stat(List<MethodRun> runs, ToDoubleFunction<MethodRun> f) {
        return Stat.of(runs.stream().mapToDouble(f).toArray());
    }

    /** The Retrain run of {@code run}'s seed, or null. */
    private static MethodRun sameSeed(MethodRun run, List<MethodRun> retrain) {
        for (MethodRun r : retrain) if (r.seed() == run.seed()) return r;
        return null;
    }

    /** {@code run}'s seconds over Retrain's (same seed, else Retrain's mean). */
    public static double rteRatio(MethodRun run, List<MethodRun> retrain) {
        if (retrain.isEmpty()) return Double.NaN;
        MethodRun same = sameSeed(run, retrain);
        double base = same != null ? same.seconds() : Stat.of(retrain.stream().mapToDouble(MethodRun::seconds).toArray()).mean();
        return base > 0 ? run.seconds() / base : Double.NaN;
    }

    /** Mean |metric − Retrain's| over UA, MIA-efficacy, RA, TA (same seed, else Retrain's means). */
    public static double gap(MethodRun run, List<MethodRun> retrain) {
        if (retrain.isEmpty()) return Double.NaN;
        MethodRun same = sameSeed(run, retrain);
        double sum = 0;
        int n = 0;
        for (ToDoubleFunction<MetricSet> m : GAP_METRICS) {
            double base = same != null ? m.applyAsDouble(same.metrics())
                    : Stat.of(retrain.stream().mapToDouble(r -> m.applyAsDouble(r.metrics())).toArray()).mean();
            double v = m.applyAsDouble(run.metrics());
            if (Double.isFinite(v) && Double.isFinite(base)) {
                sum += Math.abs(v - base);
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
