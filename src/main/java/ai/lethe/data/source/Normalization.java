// Per-channel mean and standard deviation for normalising images ((x - mean) / std), as the transforms in
// ai.lethe.data.transform apply them. Presets for the named datasets are the usual published values (computed
// over each training set's pixels in [0, 1]); compute() gives them for any dataset.
package ai.lethe.data.source;

import ai.lethe.data.Dataset;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

public record Normalization(float[] mean, float[] std) {
    private static final Map<String, Normalization> PRESETS = Map.of(
            "mnist", new Normalization(new float[] {0.1307f}, new float[] {0.3081f}),
            "fashion-mnist", new Normalization(new float[] {0.2860f}, new float[] {0.3530f}),
            "cifar10", new Normalization(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f}),
            "cifar100", new Normalization(new float[] {0.5071f, 0.4865f, 0.4409f}, new float[] {0.2673f, 0.2564f, 0.2762f}),
            "cifar20", new Normalization(new float[] {0.5071f, 0.4865f, 0.4409f}, new float[] {0.2673f, 0.2564f, 0.2762f}));

    public Normalization {
        mean = mean.clone();
        std = std.clone();
        if (mean.length == 0 || mean.length != std.length)
            throw new IllegalArgumentException("normalization needs one mean and one std per channel, got "
                    + mean.length + " and " + std.length);
        for (float s : std)
            if (!(s > 0) || !Float.isFinite(s)) throw new IllegalArgumentException("normalization std must be positive, got " + Arrays.toString(std));
    }

    @Override public float[] mean() { return mean.clone(); }

    @Override public float[] std() { return std.clone(); }

    public int channels() { return mean.length; }

    /** The preset of a named dataset ("mnist", "fashion-mnist", "cifar10", "cifar100", "cifar20"). */
    public static Optional<Normalization> preset(String dataset) { return Optional.ofNullable(PRESETS.get(dataset)); }

    /** The exact per-channel mean and (population) standard deviation of {@code dataset}'s pixels. */
    public static Normalization compute(Dataset dataset) {
        int c = dataset.shape().channels(), plane = dataset.shape().height() * dataset.shape().width();
        double[] sum = new double[c], sq = new double[c];
        float[] img = new float[dataset.shape().size()];
        for (int i = 0; i < dataset.size(); i++) {
            dataset.readImage(i, img, 0);
            for (int ch = 0; ch < c; ch++)
                for (int p = ch * plane, end = p + plane; p < end; p++) {
                    sum[ch] += img[p];
                    sq[ch] += (double) img[p] * img[p];
                }
        }
        double n = (double) dataset.size() * plane;
        float[] mean = new float[c], std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / n;
            mean[ch] = (float) m;
            std[ch] = (float) Math.sqrt(Math.max(sq[ch] / n - m * m, 1e-12));
        }
        return new Normalization(mean, std);
    }

    @Override public boolean equals(Object o) {
        return o instanceof Normalization(float[] m, float[] s) && Arrays.equals(mean, m) && Arrays.equals(std, s);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std); }

    @Override public String toString() { return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]"; }
}
