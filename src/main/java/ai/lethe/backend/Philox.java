// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): the counter-based
// generator behind every random tensor. Element i of a draw depends only on (seed, counter, i), so the ref,
// cpu (native/rng.c) and CUDA backends produce the same streams, in any order and on any number of threads.
//
// Stream definition (all backends):
//   key = (seed low 32 bits, seed high 32 bits); block b -> philox(key, (b low, b high, 0, 0)) = 4 words
//   UNIFORM/BERNOULLI element i: word i%4 of block counter + i/4; u = (word >>> 8) * 2^-24 in [0, 1)
//   NORMAL element i: words 2(i%2), 2(i%2)+1 of block counter + i/2; u1 = ((w0 >>> 8) + 1) * 2^-24 in (0, 1],
//          u2 = (w1 >>> 8) * 2^-24; z = sqrt(-2 ln u1) * cos(2 pi u2), in double precision.
package ai.lethe.backend;

public final class Philox {
    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private static final double TWO_POW_M24 = 1.0 / (1 << 24);

    private Philox() {}

    /** The four 32-bit words of block {@code block} under key {@code seed}, written to {@code out}. */
    public static void block(long seed, long block, int[] out) {
        bijection((int) block, (int) (block >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), out);
    }

    /** Philox4x32-10 of counter (c0..c3) under key (k0, k1): the generator's bijection, as in Random123. */
    public static void bijection(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
            c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
            k0 += W0; k1 += W1;
        }
        out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
    }

    /** Uniform in [0, 1) from one word. */
    public static double uniform(int word) { return (word >>> 8) * TWO_POW_M24; }

    /** Uniform in (0, 1] from one word (safe for log). */
    public static double uniformOpenZero(int word) { return ((word >>> 8) + 1) * TWO_POW_M24; }

    /** Standard normal from two words (Box-Muller, cosine branch). */
    public static double normal(int w0, int w1) {
        return Math.sqrt(-2.0 * Math.log(uniformOpenZero(w0))) * Math.cos(2.0 * Math.PI * uniform(w1));
    }

    /** Number of 4-word blocks a draw of {@code n} elements of {@code kind} consumes. */
    public static long blocksFor(RandomKind kind, long n) {
        return kind == RandomKind.NORMAL ? (n + 1) / 2 : (n + 3) / 4;
    }
}
