// Forget a uniformly drawn subset of the training set, given as a count or as a fraction of it (Unlearn-Sparse:
// 10%; SSD: about 100 samples). The draw is a seeded sample without replacement (Split.of's seed). Evaluation:
// the forget set itself is the forget-test set; the whole test set is the retain-test set.
package ai.lethe.data.split;

/** Exactly one of {@code count} (> 0) and {@code fraction} (in (0, 1)) is set; the other is 0. */
public record RandomForget(int count, double fraction) implements ForgetRequest {
    public RandomForget {
        boolean byCount = count > 0, byFraction = fraction > 0 && fraction < 1;
        if (byCount == byFraction || count < 0 || (fraction != 0 && !byFraction))
            throw new IllegalArgumentException("a random forget request needs a count >= 1 or a fraction in (0, 1), got count "
                    + count + ", fraction " + fraction);
    }

    public static RandomForget count(int n) { return new RandomForget(n, 0); }

    public static RandomForget fraction(double f) { return new RandomForget(0, f); }

    @Override public String kind() { return "random"; }

    @Override public String spec() { return "random=" + (count > 0 ? Integer.toString(count) : Double.toString(fraction)); }

    /** How many samples of a training set of {@code n} to forget; an IllegalArgumentException when that is 0 or > n. */
    int size(int n, String dataset) {
        if (count > 0) {
            if (count > n) throw Requests.bad(spec(), "asks for " + count + " samples but " + dataset + " has only " + n);
            return count;
        }
        long k = Math.round(fraction * n);
        if (k == 0) throw Requests.bad(spec(), "the fraction " + fraction + " of " + dataset + "'s " + n + " samples is no sample");
        return (int) k;
    }
}
