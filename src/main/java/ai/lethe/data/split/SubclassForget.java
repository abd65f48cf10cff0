// Forget every training sample of one fine class inside a coarse label (CIFAR-20's sub-class forgetting: e.g.
// "rocket" in vehicles 2), named or by index; the dataset must have sub-classes (Dataset.subclasses()).
// Evaluation: the test samples of that sub-class (forget-test) and the rest of the test set (retain-test).
package ai.lethe.data.split;

import ai.lethe.data.Subclasses;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Exactly one of {@code name} (non-null) and {@code index} (>= 0) is set. */
public record SubclassForget(String name, int index) implements ForgetRequest {
    public SubclassForget {
        if ((name == null) == (index < 0))
            throw new IllegalArgumentException("a sub-class request names a sub-class or gives its index, exactly one of them");
        if (name != null && name.isBlank()) throw new IllegalArgumentException("forget request 'subclass=': empty sub-class name");
    }

    public static SubclassForget of(String name) { return new SubclassForget(name, -1); }

    public static SubclassForget of(int index) {
        if (index < 0) throw new IllegalArgumentException("forget request 'subclass=" + index + "': the sub-class must be >= 0");
        return new SubclassForget(null, index);
    }

    @Override public String kind() { return "subclass"; }

    @Override public String spec() { return "subclass=" + (name != null ? name : index); }

    /** The sub-class's index in {@code subclasses}; an IllegalArgumentException naming close valid names if unknown. */
    int resolve(Subclasses subclasses, String dataset) {
        List<String> names = subclasses.names();
        if (name == null) {
            if (index >= names.size())
                throw Requests.bad(spec(), "sub-class " + index + " is out of range; " + dataset + " has "
                        + names.size() + " sub-classes (0.." + (names.size() - 1) + ")");
            return index;
        }
        int i = names.indexOf(name);
        if (i < 0) {
            for (int k = 0; k < names.size() && i < 0; k++) if (names.get(k).equalsIgnoreCase(name)) i = k;
        }
        if (i >= 0) return i;
        String near = IntStream.range(0, names.size()).boxed()
                .sorted(Comparator.comparingInt((Integer k) -> editDistance(name.toLowerCase(), names.get(k).toLowerCase())).thenComparing(k -> k))
                .limit(5).map(names::get).collect(Collectors.joining(", "));
        throw Requests.bad(spec(), "unknown sub-class '" + name + "' in " + dataset + "; closest: " + near + " ("
                + names.size() + " sub-classes; a name or an index 0.." + (names.size() - 1) + ")");
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
