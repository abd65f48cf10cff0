// The integer keys of radix selection over non-negative float scores (Backend.scoreHistogram,
// Backend.maskFromScores, ai.lethe.kernels.GlobalTopK): a non-negative float's bits, read as an unsigned
// 32-bit integer, order the floats, so a k-th largest score is found by histograms of 16 bits at a time.
// −0 counts as +0; negative scores and NaNs have no key. Shared argument checks of the two kernels.
package ai.lethe.backend;

public final class ScoreKeys {
    /** The largest valid key: +infinity. Keys above it are NaNs; keys from 0x80000000 are negative floats. */
    public static final int MAX_KEY = 0x7F800000;
    /** matchShift value that selects every element (no prefix filter). */
    public static final int MATCH_ALL = 32;

    private ScoreKeys() {}

    /** The key of {@code score} (its bits, −0 as +0), or −1 for a negative score or a NaN. */
    public static long key(float score) {
        int bits = Float.floatToRawIntBits(score);
        if (bits == 0x80000000) return 0;
        return Integer.compareUnsigned(bits, MAX_KEY) > 0 ? -1 : bits;
    }

    /** The float whose key is {@code key} (0 <= key <= MAX_KEY). */
    public static float scoreOf(long key) { return Float.intBitsToFloat((int) key); }

    /** The exception for a score without a key, naming the op, the position and the value. */
    public static IllegalArgumentException badScore(String op, long index, float score) {
        return new IllegalArgumentException(op + ": score " + score + " at flat index " + index
                + " is " + (Float.isNaN(score) ? "NaN" : "negative") + "; scores must be non-negative numbers");
    }

    /** Validates scoreHistogram's arguments (an IllegalArgumentException naming the op and the argument). */
    public static void checkHistogram(String op, int shift, int bits, int matchShift, long[] counts) {
        if (bits < 1 || bits > 16) throw new IllegalArgumentException(op + ": bits must be in [1, 16], got " + bits);
        if (shift < 0 || shift + bits > 32)
            throw new IllegalArgumentException(op + ": shift must be in [0, " + (32 - bits) + "] for " + bits
                    + " bits, got " + shift);
        if (matchShift < 0 || matchShift > MATCH_ALL)
            throw new IllegalArgumentException(op + ": matchShift must be in [0, 32], got " + matchShift);
        if (counts == null || counts.length != 1 << bits)
            throw new IllegalArgumentException(op + ": counts must have 2^" + bits + " = " + (1 << bits)
                    + " entries, got " + (counts == null ? "null" : counts.length));
    }

    /** Validates maskFromScores's tie count. */
    public static void checkTies(String op, long tiesToKeep) {
        if (tiesToKeep < 0) throw new IllegalArgumentException(op + ": tiesToKeep must be >= 0, got " + tiesToKeep);
    }

    /** Whether a key passes the prefix filter (key >>> matchShift == matchValue, or matchShift 32). */
    public static boolean matches(long key, int matchShift, int matchValue) {
        return matchShift == MATCH_ALL || key >>> matchShift == (matchValue & 0xFFFFFFFFL);
    }
}
