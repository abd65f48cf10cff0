// Shared checks and helpers of the membership-inference attacks: feature matrices (rows = samples), column
// vectors of scalar features, and the share of a target set that an attack predicts member.
package ai.lethe.eval.mia;

import java.util.function.ToIntFunction;

public final class MiaData {
    private MiaData() {}

    /** Scalar features as one-column rows. */
    public static double[][] column(float[] values) {
        double[][] out = new double[values.length][];
        for (int i = 0; i < values.length; i++) out[i] = new double[] {values[i]};
        return out;
    }

    /** Scalar features as one-column rows. */
    public static double[][] column(double[] values) {
        double[][] out = new double[values.length][];
        for (int i = 0; i < values.length; i++) out[i] = new double[] {values[i]};
        return out;
    }

    /** Checks that both sets are non-empty, rectangular, of one width and finite; returns the width. */
    static int checkTraining(String method, double[][] members, double[][] nonMembers) {
        if (members == null || members.length == 0) throw new IllegalArgumentException(method + ": members must not be empty");
        if (nonMembers == null || nonMembers.length == 0) throw new IllegalArgumentException(method + ": nonMembers must not be empty");
        int d = members[0].length;
        if (d == 0) throw new IllegalArgumentException(method + ": features must have at least one column");
        check(method, "members", members, d);
        check(method, "nonMembers", nonMembers, d);
        return d;
    }

    private static void check(String method, String name, double[][] rows, int d) {
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != d)
                throw new IllegalArgumentException(method + ": " + name + "[" + i + "] has " + rows[i].length + " features, expected " + d);
            for (double v : rows[i])
                if (!Double.isFinite(v)) throw new IllegalArgumentException(method + ": " + name + "[" + i + "] has a non-finite feature " + v);
        }
    }

    static double share(double[][] targets, ToIntFunction<double[]> predict) {
        if (targets.length == 0) return Double.NaN;
        long members = 0;
        for (double[] t : targets) members += predict.applyAsInt(t);
        return (double) members / targets.length;
    }
}
