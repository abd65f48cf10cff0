// Parsing helpers and error messages shared by the forget requests.
package ai.lethe.data.split;

final class Requests {
    static final String FORMS = "class=K, subclass=NAME|K, random=N|FRACTION, indices=FILE or poisoned";

    private Requests() {}

    static IllegalArgumentException bad(String arg, String problem) {
        return new IllegalArgumentException("forget request '" + arg + "': " + problem);
    }

    static boolean isInteger(String s) { return s.matches("[+-]?\\d+"); }

    static int integer(String arg, String what, String value) {
        if (!isInteger(value)) throw bad(arg, "the " + what + " must be a whole number, got '" + value + "'");
        try {
            int v = Integer.parseInt(value);
            if (v < 0) throw bad(arg, "the " + what + " must be >= 0, got " + v);
            return v;
        } catch (NumberFormatException e) {
            throw bad(arg, "the " + what + " " + value + " is too large");
        }
    }

    static RandomForget random(String arg, String value) {
        if (isInteger(value)) {
            int n = integer(arg, "count", value);
            if (n == 0) throw bad(arg, "the count must be at least 1");
            return RandomForget.count(n);
        }
        double f;
        try {
            f = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw bad(arg, "expected a count (random=100) or a fraction (random=0.1), got '" + value + "'");
        }
        if (!(f > 0 && f < 1)) throw bad(arg, "the fraction " + value + " is outside (0, 1)");
        return RandomForget.fraction(f);
    }
}
