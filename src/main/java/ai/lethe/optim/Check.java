// Argument checks shared by the optimizers and schedulers: each failure is an IllegalArgumentException that
// names who complained, the argument and the value it got.
package ai.lethe.optim;

public final class Check {
    private Check() {}

    /** value must be finite and >= 0. */
    public static double nonNegative(String who, String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value))
            throw new IllegalArgumentException(who + ": " + name + " must be a finite number >= 0, got " + value);
        return value;
    }

    /** value must be finite and > 0. */
    public static double positive(String who, String name, double value) {
        if (!(value > 0) || Double.isInfinite(value))
            throw new IllegalArgumentException(who + ": " + name + " must be a finite number > 0, got " + value);
        return value;
    }

    /** lo <= value < hi. */
    public static double inHalfOpen(String who, String name, double value, double lo, double hi) {
        if (!(value >= lo && value < hi))
            throw new IllegalArgumentException(who + ": " + name + " must be in [" + lo + ", " + hi + "), got " + value);
        return value;
    }

    /** lo <= value <= hi. */
    public static double inClosed(String who, String name, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi))
            throw new IllegalArgumentException(who + ": " + name + " must be in [" + lo + ", " + hi + "], got " + value);
        return value;
    }

    /** value must be >= min. */
    public static int atLeast(String who, String name, int value, int min) {
        if (value < min) throw new IllegalArgumentException(who + ": " + name + " must be >= " + min + ", got " + value);
        return value;
    }
}
