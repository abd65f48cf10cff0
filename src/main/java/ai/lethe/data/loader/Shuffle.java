// The order in which an epoch visits a dataset: 0..n-1, or a permutation that is a pure function of
// (seed, epoch) — a Fisher-Yates shuffle drawing from RandomSource(seed, SHUFFLE, epoch, 0) — so every run, on
// every backend and with any number of workers, sees the same order.
package ai.lethe.data.loader;

import ai.lethe.data.transform.RandomSource;

final class Shuffle {
    private Shuffle() {}

    static int[] order(int n, boolean shuffle, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (shuffle) permute(order, RandomSource.of(seed, RandomSource.SHUFFLE, epoch, 0));
        return order;
    }

    /** Shuffles {@code a} in place (Fisher-Yates, from the last position down). */
    static void permute(int[] a, RandomSource rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
