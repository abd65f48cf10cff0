// Consistency checks of a split's index sets: sorted, distinct, in range, and two sets that together cover
// 0..n-1 exactly once.
package ai.lethe.data.split;

final class SplitChecks {
    private SplitChecks() {}

    /** {@code a} and {@code b} are sorted, disjoint, and together are 0..n-1. */
    static void partition(String nameA, int[] a, String nameB, int[] b, int n) {
        sorted(nameA, a, n);
        sorted(nameB, b, n);
        if (a.length + b.length != n)
            throw new IllegalArgumentException("split: " + nameA + " (" + a.length + ") and " + nameB + " (" + b.length
                    + ") do not add up to " + n + " samples");
        int i = 0, j = 0;
        for (int v = 0; v < n; v++) {
            if (i < a.length && a[i] == v) i++;
            else if (j < b.length && b[j] == v) j++;
            else throw new IllegalArgumentException("split: sample " + v + " is in neither " + nameA + " nor " + nameB);
        }
    }

    static void sorted(String name, int[] a, int n) {
        for (int k = 0; k < a.length; k++) {
            if (a[k] < 0 || a[k] >= n) throw new IllegalArgumentException("split: " + name + " index " + a[k] + " is outside 0.." + (n - 1));
            if (k > 0 && a[k] <= a[k - 1]) throw new IllegalArgumentException("split: " + name + " is not sorted and distinct at entry " + k);
        }
    }
}
