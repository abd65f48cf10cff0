// Formatting helpers that make toString() print modules exactly as PyTorch's repr does: Python's float repr
// (1e-05, 0.1, 1.0), tuples ("(3, 3)", "(8,)"), booleans (True/False) and the child indentation of
// torch.nn.Module.__repr__.
package ai.lethe.nn;

import java.math.BigDecimal;
import java.util.List;

final class Repr {
    private Repr() {}

    /** A double as Python's repr(float) writes it. */
    static String pyFloat(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return 1 / d < 0 ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exp < -4 || exp >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        String plain = bd.toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    static String pyBool(boolean b) { return b ? "True" : "False"; }

    /** A Python tuple of ints: "(3, 3)", "(8,)". */
    static String tuple(long... values) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < values.length; i++) sb.append(i == 0 ? "" : ", ").append(values[i]);
        return sb.append(values.length == 1 ? ",)" : ")").toString();
    }

    static String tuple(int... values) {
        long[] l = new long[values.length];
        for (int i = 0; i < l.length; i++) l[i] = values[i];
        return tuple(l);
    }

    /** torch.nn.Module.__repr__: name(extra) on one line, or one line per extra line and child. */
    static String module(String name, String extra, List<String> childLines) {
        List<String> extraLines = extra.isEmpty() ? List.of() : List.of(extra.split("\n", -1));
        StringBuilder sb = new StringBuilder(name).append('(');
        if (extraLines.size() == 1 && childLines.isEmpty()) {
            sb.append(extraLines.getFirst());
        } else if (!extraLines.isEmpty() || !childLines.isEmpty()) {
            sb.append('\n');
            for (String l : extraLines) sb.append("  ").append(l).append('\n');
            for (String l : childLines) sb.append("  ").append(l).append('\n');
        }
        return sb.append(')').toString();
    }

    /** "(key): " + the child's repr with every line but the first indented by two spaces (torch's _addindent). */
    static String childLine(String key, String childRepr) {
        return "(" + key + "): " + childRepr.replace("\n", "\n  ");
    }
}
