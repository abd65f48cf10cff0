// Runs `lethe bench`'s cases on one device: for each case (copy first: the bandwidth reference), build its K buffer
// sets, run it `warmup` times untimed, then `repeat` times timed by the device's Clock (CUDA events on a CUDA
// backend, wall time elsewhere), run r on buffer set (warmup + r) mod K; free the buffers before the next case.
// Each case reports the median, min and max time, spread = (max − min) / median, and from the median: GB/s =
// bytes / median, % of copy = GB/s / copy's GB/s, GFLOP/s = FLOPs / median, and a rate for the training step
// (images/s). A figure a case has no bytes or FLOPs for is null, never NaN.
package ai.lethe.kernelbench;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;

public final class KernelBench {
    private KernelBench() {}

    /** Times of one case in milliseconds: median, min, max, and spread = 100·(max − min)/median (percent). */
    public record Stats(double medianMs, double minMs, double maxMs, double spreadPercent) {
        /** The statistics of {@code millis} (at least one value); the median of an even count is the mean of the middle two. */
        public static Stats of(double[] millis) {
            if (millis.length == 0) throw new IllegalArgumentException("Stats.of: no times");
            double[] t = millis.clone();
            Arrays.sort(t);
            int m = t.length / 2;
            double median = t.length % 2 == 1 ? t[m] : (t[m - 1] + t[m]) / 2;
            double spread = median > 0 ? 100 * (t[t.length - 1] - t[0]) / median : 0;
            return new Stats(median, t[0], t[t.length - 1], spread);
        }
    }

    /**
     * One case's result.
     *
     * @param millis          every timed run, in order
     * @param gbPerSecond     bytes / median in 10^9 bytes per second, or null (no bytes, or a zero median)
     * @param percentOfCopy   100 · gbPerSecond / copy's, or null
     * @param gflopPerSecond  FLOPs / median in 10^9 per second, or null
     * @param unitsPerSecond  the case's units (images) per second, or null
     */
    public record CaseResult(BenchCase.Info info, List<Double> millis, Stats stats, Double gbPerSecond, Double percentOfCopy,
                             Double gflopPerSecond, Double unitsPerSecond) {
        public CaseResult { millis = List.copyOf(millis); }
    }

    /** A whole run: where and when, how it was timed, the settings, and every case's result in run order. */
    public record Report(String device, String machine, String timing, Instant date, BenchSettings settings,
                         List<CaseResult> cases) {
        public Report { cases = List.copyOf(cases); }
    }

    /** The cases in the order they run: copy first, then the settings' cases without repeats. */
    public static List<String> order(List<String> cases) {
        LinkedHashSet<String> o = new LinkedHashSet<>();
        o.add("copy");
        o.addAll(cases);
        return List.copyOf(o);
    }

    /**
     * Runs every case of {@code s} on {@code device}; {@code progress} sees each result as it is measured.
     *
     * @param machine what the device is ("AMD EPYC, 2 cores", the GPU's name), for the report
     */
    public static Report run(BenchSettings s, Device device, String machine, Consumer<CaseResult> progress) {
        Backend backend = Backends.of(device);
        Instant date = Instant.now();
        List<CaseResult> results = new ArrayList<>();
        Double copyGbps = null;
        String timing;
        try (Clock clock = Clock.of(backend)) {
            timing = clock.method();
            for (String name : order(s.cases())) {
                CaseResult r;
                try (BenchCase c = name.equals("train-step") ? TrainStepCase.create(s, device) : KernelCases.create(name, s, device)) {
                    r = measure(c, s, clock, copyGbps);
                }
                if (name.equals("copy")) copyGbps = r.gbPerSecond();
                results.add(r);
                progress.accept(r);
            }
        }
        return new Report(device.toString(), machine, timing, date, s, results);
    }

    private static CaseResult measure(BenchCase c, BenchSettings s, Clock clock, Double copyGbps) {
        for (int w = 0; w < s.warmup(); w++) {
            int run = w;
            clock.millis(() -> c.run(run));
        }
        double[] ms = new double[s.repeat()];
        for (int r = 0; r < ms.length; r++) {
            int run = s.warmup() + r;
            ms[r] = clock.millis(() -> c.run(run));
        }
        clock.finish();
        Stats st = Stats.of(ms);
        BenchCase.Info info = c.info();
        Double gbps = rate(info.bytes(), st.medianMs());
        Double reference = info.name().equals("copy") ? gbps : copyGbps;
        Double pct = gbps == null || reference == null || !(reference > 0) ? null : 100 * gbps / reference;
        Double gflops = rate(info.flops(), st.medianMs());
        Double units = info.unit() == null || !(st.medianMs() > 0) ? null : info.unitsPerRun() / (st.medianMs() / 1e3);
        return new CaseResult(info, Arrays.stream(ms).boxed().toList(), st, gbps, pct, gflops, units);
    }

    /** amount / median in 10^9 per second, or null for no amount or a median that is not positive. */
    private static Double rate(Long amount, double medianMs) {
        return amount == null || !(medianMs > 0) ? null : amount / (medianMs * 1e6);
    }
}
