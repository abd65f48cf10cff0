// A dataset restricted to some of another's classes, relabelled 0..k-1 in the order the classes are listed: the
// source and target tasks of a transfer study (Fashion-MNIST classes 0-5 as a 6-class source task, 6-9 as a 4-class
// target task). The dataset-name form NAME@LIST (e.g. "fashion-mnist@0-5", "cifar10@0,1,8,9") selects classes when a
// dataset is loaded by name (ai.lethe.data.source.Datasets); parse/format read and write LIST (comma-separated class
// indices and ranges A-B).
package ai.lethe.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

public final class ClassSelection implements Dataset {
    /** What a class list looks like: "3", "0-5", "0,2,4-6". */
    private static final Pattern LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");

    private final Dataset base;
    private final int[] classes;
    private final int[] indices;
    private final int[] labels;
    private final String name;

    /** The samples of {@code base} whose label is one of {@code classes}, labelled by the class's position in that list. */
    public ClassSelection(Dataset base, int[] classes) {
        checkClasses(classes, base.numClasses(), base.name());
        int[] position = new int[base.numClasses()];
        Arrays.fill(position, -1);
        for (int k = 0; k < classes.length; k++) position[classes[k]] = k;
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < base.size(); i++) if (position[base.label(i)] >= 0) idx.add(i);
        this.base = base;
        this.classes = classes.clone();
        this.indices = idx.stream().mapToInt(Integer::intValue).toArray();
        this.labels = new int[indices.length];
        for (int k = 0; k < indices.length; k++) labels[k] = position[base.label(indices[k])];
        this.name = base.name() + "@" + format(classes);
    }

    /** Both parts of {@code data} restricted to {@code classes}; the result is named NAME@LIST. */
    public static TrainTest of(TrainTest data, int[] classes) {
        return new TrainTest(data.name() + "@" + format(classes), new ClassSelection(data.train(), classes),
                new ClassSelection(data.test(), classes));
    }

    /** Whether {@code text} is a class list ("0-5", "1,3,7"). */
    public static boolean isList(String text) { return LIST.matcher(text.strip()).matches(); }

    /**
     * Reads a class list: comma-separated indices and ranges A-B (inclusive), in the order given.
     *
     * @throws IllegalArgumentException naming {@code what} for a malformed list, an empty or reversed range, or a
     *                                  class listed twice
     */
    public static int[] parse(String text, String what) {
        String s = text == null ? "" : text.strip();
        if (!isList(s))
            throw new IllegalArgumentException(what + ": '" + text + "' is not a class list; expected indices and ranges like 0-5 or 1,3,7");
        List<Integer> out = new ArrayList<>();
        for (String part : s.split(",")) {
            int dash = part.indexOf('-');
            int a, b;
            try {
                a = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
                b = dash < 0 ? a : Integer.parseInt(part.substring(dash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": class index out of range in '" + text + "'");
            }
            if (b < a) throw new IllegalArgumentException(what + ": range " + part + " in '" + text + "' is reversed");
            for (int c = a; c <= b; c++) {
                if (out.contains(c)) throw new IllegalArgumentException(what + ": class " + c + " is listed twice in '" + text + "'");
                out.add(c);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The list in its shortest form: runs of 3 or more consecutive classes as ranges ("0-5", "0,1,8,9"). */
    public static String format(int[] classes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < classes.length; ) {
            int j = i;
            while (j + 1 < classes.length && classes[j + 1] == classes[j] + 1) j++;
            if (!sb.isEmpty()) sb.append(',');
            if (j - i >= 2) {
                sb.append(classes[i]).append('-').append(classes[j]);
                i = j + 1;
            } else {
                sb.append(classes[i]);
                i++;
            }
        }
        return sb.toString();
    }

    /** Refuses an empty list, a class outside [0, numClasses) and a class listed twice, naming {@code dataset}. */
    public static void checkClasses(int[] classes, int numClasses, String dataset) {
        if (classes.length == 0) throw new IllegalArgumentException("class selection of " + dataset + ": no class given");
        boolean[] seen = new boolean[numClasses];
        for (int c : classes) {
            if (c < 0 || c >= numClasses)
                throw new IllegalArgumentException("class selection of " + dataset + ": class " + c + " is outside [0, " + numClasses + ")");
            if (seen[c]) throw new IllegalArgumentException("class selection of " + dataset + ": class " + c + " is listed twice");
            seen[c] = true;
        }
    }

    /** The base dataset's classes this one keeps, in label order. */
    public int[] classes() { return classes.clone(); }

    public Dataset base() { return base; }

    @Override public String name() { return name; }

    @Override public int size() { return indices.length; }

    @Override public ImageShape shape() { return base.shape(); }

    @Override public List<String> classNames() {
        List<String> all = base.classNames(), out = new ArrayList<>(classes.length);
        for (int c : classes) out.add(all.get(c));
        return List.copyOf(out);
    }

    @Override public int label(int index) { return labels[index]; }

    @Override public void readImage(int index, float[] dst, int offset) { base.readImage(indices[index], dst, offset); }

    @Override public Optional<Subclasses> subclasses() { return Optional.empty(); }

    @Override public int sourceIndex(int index) { return base.sourceIndex(indices[index]); }
}
