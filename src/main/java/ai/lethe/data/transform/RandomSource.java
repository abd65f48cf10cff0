// A stream of random numbers that is a pure function of (seed, purpose, epoch, index): Philox4x32-10 (the stream
// behind every random tensor, ai.lethe.backend.Philox) keyed by the seed, with the counter
// (block, index, epoch, purpose). A sample's augmentation therefore depends only on the loader's seed, the epoch
// and the sample's index, never on which thread made it, in which order, or on how many workers there are.
// Purposes keep the streams of augmentation, shuffling and split sampling apart. Not thread-safe: one per sample.
package ai.lethe.data.transform;

import ai.lethe.backend.Philox;
import java.util.Arrays;
import java.util.stream.IntStream;

public final class RandomSource {
    /** Purpose of the per-sample streams that transforms draw from. */
    public static final int SAMPLE = 0;
    /** Purpose of the per-epoch stream a loader shuffles with. */
    public static final int SHUFFLE = 1;
    /** Purpose of the stream a random forget split samples with. */
    public static final int SPLIT = 2;
    /** Purpose of the stream a backdoor draws its poisoned samples with (ai.lethe.data.poison.Poisoned). */
    public static final int POISON = 3;

    private static final double TWO_POW_M53 = 0x1.0p-53;

    private final int k0, k1, index, epoch, purpose;
    private final int[] words = new int[4];
    private int block;
    private int used = 4;

    private RandomSource(long seed, int purpose, int epoch, int index) {
        this.k0 = (int) seed;
        this.k1 = (int) (seed >>> 32);
        this.purpose = purpose;
        this.epoch = epoch;
        this.index = index;
    }

    /** The stream of sample {@code index} in epoch {@code epoch} under {@code seed} (what transforms get). */
    public static RandomSource forSample(long seed, int epoch, int index) { return new RandomSource(seed, SAMPLE, epoch, index); }

    /** The stream of one (seed, purpose, epoch, index); the four together name it. */
    public static RandomSource of(long seed, int purpose, int epoch, int index) { return new RandomSource(seed, purpose, epoch, index); }

    /** The next 32 random bits. */
    public int nextInt() {
        if (used == 4) {
            if (block == -1) throw new IllegalStateException("random stream exhausted (2^34 words drawn)");
            Philox.bijection(block++, index, epoch, purpose, k0, k1, words);
            used = 0;
        }
        return words[used++];
    }

    /** Uniform in [0, bound), unbiased (Lemire's multiply-and-reject). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long m = (nextInt() & 0xFFFFFFFFL) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                m = (nextInt() & 0xFFFFFFFFL) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** Uniform in [lo, hi] inclusive. */
    public int nextInt(int lo, int hi) {
        if (hi < lo) throw new IllegalArgumentException("empty range [" + lo + ", " + hi + "]");
        return lo + nextInt(hi - lo + 1);
    }

    /** {@code k} distinct values of 0..n-1, sorted: the first k of a partial Fisher-Yates shuffle drawn from this source. */
    public int[] distinctSorted(int n, int k) {
        int[] a = IntStream.range(0, n).toArray();
        for (int i = 0; i < k; i++) {
            int j = i + nextInt(n - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        int[] out = Arrays.copyOf(a, k);
        Arrays.sort(out);
        return out;
    }

    /** Uniform in [0, 1) with 53 random bits (two words). */
    public double nextDouble() {
        long hi = (nextInt() >>> 6) & 0x3FFFFFFL;   // 26 bits
        long lo = (nextInt() >>> 5) & 0x7FFFFFFL;   // 27 bits
        return ((hi << 27) | lo) * TWO_POW_M53;
    }

    /** Uniform in [lo, hi). */
    public double nextDouble(double lo, double hi) { return lo + (hi - lo) * nextDouble(); }

    /** True with probability {@code p}. */
    public boolean nextBoolean(double p) { return nextDouble() < p; }
}
