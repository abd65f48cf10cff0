// A synthetic, learnable image task for tests and quick runs. Each class has a pattern per channel: a random
// 4x4 grid of intensities (drawn from the seed), stretched to full contrast and upsampled bilinearly to the image
// size. A sample is its class's pattern shifted by up to 1/8 of the image side, with random contrast and
// brightness and (nearly) Gaussian pixel noise. Labels cycle through the classes (sample i has label i mod classes), so
// every class is equally represented. Train and test share the patterns and differ in their draws. Every random
// number comes from SplitMix64 keyed by (seed, part, sample), so the bytes depend only on the options (not on the
// JVM or on threads), and samples are generated in parallel.
package ai.lethe.data.source;

import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import java.util.List;
import java.util.stream.IntStream;

public final class SyntheticImages {
    private static final int GRID = 4;
    private static final long PATTERNS = 0x5EED_0001L, TRAIN = 0x5EED_0002L, TEST = 0x5EED_0003L;

    private SyntheticImages() {}

    /** Generates the train and test parts; the name is {@link SyntheticOptions#toSpec()}. */
    public static TrainTest generate(SyntheticOptions o) {
        String name = o.toSpec();
        List<String> classes = IntStream.range(0, o.classes()).mapToObj(k -> "class " + k).toList();
        float[][] grids = patterns(o);
        return new TrainTest(name, part(o, grids, TRAIN, o.train(), name + "/train", classes),
                part(o, grids, TEST, o.test(), name + "/test", classes));
    }

    /** One GRID x GRID grid in [0, 1] per (class, channel), each stretched to span 0..1. */
    private static float[][] patterns(SyntheticOptions o) {
        float[][] grids = new float[o.classes() * o.channels()][];
        for (int g = 0; g < grids.length; g++) {
            var rng = new SplitMix(o.seed(), PATTERNS, g);
            float[] v = new float[GRID * GRID];
            float lo = 1, hi = 0;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rng.nextDouble();
                lo = Math.min(lo, v[i]);
                hi = Math.max(hi, v[i]);
            }
            for (int i = 0; i < v.length; i++) v[i] = hi > lo ? (v[i] - lo) / (hi - lo) : 0.5f;
            grids[g] = v;
        }
        return grids;
    }

    private static ByteImageDataset part(SyntheticOptions o, float[][] grids, long part, int count, String name,
                                         List<String> classes) {
        var shape = new ImageShape(o.channels(), o.height(), o.width());
        byte[] pixels = new byte[count * shape.size()];
        int[] labels = new int[count];
        IntStream.range(0, count).parallel().forEach(i -> {
            labels[i] = i % o.classes();
            sample(o, grids, labels[i], new SplitMix(o.seed(), part, i), pixels, i * shape.size());
        });
        return new ByteImageDataset(name, shape, classes, pixels, labels);
    }

    private static void sample(SyntheticOptions o, float[][] grids, int label, SplitMix rng, byte[] dst, int offset) {
        int h = o.height(), w = o.width();
        int maxShiftY = Math.max(1, h / 8), maxShiftX = Math.max(1, w / 8);
        int dy = rng.nextInt(2 * maxShiftY + 1) - maxShiftY, dx = rng.nextInt(2 * maxShiftX + 1) - maxShiftX;
        double contrast = 0.7 + 0.3 * rng.nextDouble(), brightness = 0.2 * rng.nextDouble() - 0.1;
        int[] x0 = new int[w];
        double[] fx = new double[w];
        for (int x = 0; x < w; x++) {
            double gx = Math.clamp(((x - dx) + 0.5) * GRID / w - 0.5, 0, GRID - 1);
            x0[x] = Math.min((int) gx, GRID - 2);
            fx[x] = gx - x0[x];
        }
        double[] row = new double[GRID];
        for (int c = 0; c < o.channels(); c++) {
            float[] grid = grids[label * o.channels() + c];
            for (int y = 0; y < h; y++) {
                double gy = Math.clamp(((y - dy) + 0.5) * GRID / h - 0.5, 0, GRID - 1);
                int y0 = Math.min((int) gy, GRID - 2);
                double fy = gy - y0;
                for (int j = 0; j < GRID; j++) row[j] = grid[y0 * GRID + j] * (1 - fy) + grid[(y0 + 1) * GRID + j] * fy;
                int at = offset + (c * h + y) * w;
                for (int x = 0; x < w; x++) {
                    double p = row[x0[x]] * (1 - fx[x]) + row[x0[x] + 1] * fx[x];
                    double v = 0.5 + contrast * (p - 0.5) + brightness + o.noise() * rng.nextGaussian();
                    dst[at + x] = (byte) (int) (255 * Math.clamp(v, 0, 1) + 0.5);
                }
            }
        }
    }

    /** SplitMix64 (Steele, Lea, Flood 2014) seeded by mixing (seed, stream, index): a fixed, portable sequence. */
    static final class SplitMix {
        private static final long GOLDEN = 0x9E3779B97F4A7C15L;
        private long state;

        SplitMix(long seed, long stream, long index) {
            state = mix(mix(mix(seed) + stream) + index);
        }

        long nextLong() { return mix(state += GOLDEN); }

        double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

        int nextInt(int bound) { return (int) ((nextLong() >>> 33) * bound >>> 31); }

        /**
         * Approximately standard normal: the sum of four 16-bit uniforms from one 64-bit draw, centred and scaled
         * to unit variance (Irwin-Hall, within [-3.46, 3.46]). Integer arithmetic, so the same on every JVM, and fast.
         */
        double nextGaussian() {
            long r = nextLong();
            long sum = (r & 0xFFFF) + (r >>> 16 & 0xFFFF) + (r >>> 32 & 0xFFFF) + (r >>> 48);
            return (sum + 2 - 2 * 65536.0) * (Math.sqrt(3) / 65536.0);
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }
}
