// The data of the tuner's trials, drawn once per tuning run (seeded), never evaluating on Df:
//   retain-validation: up to `retainValidation` samples (at most a fifth) drawn from Dr and held out of what the
//     trials' methods see, so a method that trains on Dr is not scored on samples it fitted;
//   class / sub-class forgetting: the trials forget the real Df; forget-validation = the forgotten class's test
//     samples (the split's forget-test part); test-validation = the other classes' test samples;
//   random / index / poisoned requests: Df's own samples are the forget-test set, so the trials forget a proxy
//     request instead — |Df| samples (at most half of what is left) drawn from Dr —; forget-validation = that proxy
//     set; test-validation = the whole test set. Df is not touched at all.
// The trials' Dr is the rest of Dr — except with holdOut false (SSD and LF-SSD, which fit nothing to Dr: Dr only
// enters their importance I_D, and α is relative to I_D, so a smaller D would shift the α that works): then the trials
// see all of Dr, and for class forgetting a trial is exactly the run `lethe unlearn` makes with its α. The trials' split is the real one for class forgetting (methods such as UNSIR
// read the forgotten class from it) and none for a proxy request.
package ai.lethe.tune;

import ai.lethe.data.Dataset;
import ai.lethe.data.split.Split;
import java.util.Arrays;
import java.util.Random;

public record ValidationSplits(Dataset trialForget, Dataset trialRetain, Split trialSplit, Dataset forgetValidation,
                               Dataset retainValidation, Dataset testValidation) {
    public static final int DEFAULT_RETAIN_VALIDATION = 500;

    public static ValidationSplits of(TuneData d, long seed, int retainValidation) { return of(d, seed, retainValidation, true); }

    /** As above; {@code holdOut} false leaves the retain-validation samples in the trials' Dr (see the header). */
    public static ValidationSplits of(TuneData d, long seed, int retainValidation, boolean holdOut) {
        if (retainValidation < 1) throw new IllegalArgumentException("tune: the retain-validation size must be >= 1, got " + retainValidation);
        Dataset dr = d.sets().retain();
        int n = dr.size();
        int rv = Math.max(1, Math.min(retainValidation, n / 5));
        int[] perm = permutation(n, new Random(seed));
        Dataset retainVal = dr.subset(sorted(perm, 0, rv), "retain-validation (" + rv + " of Dr)");
        if (d.classForgetting()) {
            Dataset rest = holdOut ? dr.subset(sorted(perm, rv, n), "Dr without retain-validation") : dr;
            return new ValidationSplits(d.sets().forget(), rest, d.split(), d.sets().forgetTest(), retainVal, d.sets().retainTest());
        }
        int proxy = Math.min(d.sets().forget().size(), (n - rv) / 2);
        if (proxy < 1) throw new IllegalArgumentException("tune: Dr (" + n + " samples) is too small to draw a proxy forget set from");
        Dataset proxySet = dr.subset(sorted(perm, rv, rv + proxy), "proxy forget set (" + proxy + " of Dr)");
        int[] others = holdOut ? sorted(perm, rv + proxy, n) : without(perm, rv, rv + proxy);
        Dataset rest = dr.subset(others, holdOut ? "Dr without proxy and retain-validation" : "Dr without the proxy forget set");
        return new ValidationSplits(proxySet, rest, null, proxySet, retainVal, d.sets().retainTest());
    }

    private static int[] permutation(int n, Random r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** perm without positions [from, to), sorted. */
    private static int[] without(int[] perm, int from, int to) {
        int[] s = new int[perm.length - (to - from)];
        System.arraycopy(perm, 0, s, 0, from);
        System.arraycopy(perm, to, s, from, perm.length - to);
        Arrays.sort(s);
        return s;
    }

    private static int[] sorted(int[] perm, int from, int to) {
        int[] s = Arrays.copyOfRange(perm, from, to);
        Arrays.sort(s);
        return s;
    }
}
