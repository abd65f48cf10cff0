// A seeded source of random tensors. It holds only (seed, counter): each draw reserves a range of Philox
// blocks, so a draw's values depend on the seed and on the draws before it, never on the backend or on how
// many threads compute it (see ai.lethe.backend.Philox for the stream definition).
package ai.lethe.tensor;

import ai.lethe.backend.Philox;
import ai.lethe.backend.RandomKind;

public final class Generator {
    /** PyTorch's default seed, so an unseeded program is still deterministic. */
    public static final long DEFAULT_SEED = 67280421310721L;
    private static final Generator GLOBAL = new Generator(DEFAULT_SEED);

    private long seed;
    private long counter;

    public Generator(long seed) { this.seed = seed; }

    /** The process-wide generator used when none is given. */
    public static Generator global() { return GLOBAL; }

    /** Re-seeds the global generator (torch.manual_seed). */
    public static void manualSeed(long seed) { GLOBAL.reset(seed); }

    public synchronized long seed() { return seed; }

    /** Number of Philox blocks consumed so far. */
    public synchronized long counter() { return counter; }

    /** Restarts the stream of {@code seed}. */
    public synchronized void reset(long seed) {
        this.seed = seed;
        this.counter = 0;
    }

    /** Restores a state read with {@link #seed()} and {@link #counter()}. */
    public synchronized void setState(long seed, long counter) {
        if (counter < 0) throw new IllegalArgumentException("generator counter must be >= 0, got " + counter);
        this.seed = seed;
        this.counter = counter;
    }

    /** Reserves the blocks for a draw of {@code n} elements of {@code kind}; returns the first block. */
    public synchronized long reserve(RandomKind kind, long n) {
        long first = counter;
        counter += Philox.blocksFor(kind, n);
        return first;
    }

    /** A long drawn from this generator (for seeding other generators, shuffles). */
    public long nextLong() {
        long block = reserve(RandomKind.UNIFORM, 4);
        int[] w = new int[4];
        Philox.block(seed(), block, w);
        return ((long) w[0] << 32) ^ (w[1] & 0xFFFFFFFFL);
    }

    @Override public synchronized String toString() { return "Generator(seed=" + seed + ", counter=" + counter + ")"; }
}
