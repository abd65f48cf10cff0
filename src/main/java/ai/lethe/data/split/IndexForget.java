// Forget the training samples at given indices (a user's deletion request), listed in code or read from a file
// of one index per line (blank lines and '#' comments allowed). Indices must be distinct and >= 0, and are kept
// sorted (a request is a set); Split.of checks them against the dataset size. Evaluation: the forget set is the
// forget-test set; the whole test set is the retain-test set.
package ai.lethe.data.split;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** {@code file} is where the indices were read from, or null when they were given in code; {@code indices} sorted. */
public record IndexForget(int[] indices, Path file) implements ForgetRequest {
    public IndexForget {
        indices = indices.clone();
        String arg = file != null ? "indices=" + file : "indices=[" + indices.length + " given]";
        if (indices.length == 0) throw Requests.bad(arg, "no indices");
        Map<Integer, Integer> seen = new HashMap<>();
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] < 0) throw Requests.bad(arg, "index " + indices[k] + " (entry " + (k + 1) + ") is negative");
            Integer first = seen.putIfAbsent(indices[k], k);
            if (first != null)
                throw Requests.bad(arg, "index " + indices[k] + " appears twice (entries " + (first + 1) + " and " + (k + 1) + ")");
        }
        Arrays.sort(indices);
    }

    /** Indices given in code. */
    public static IndexForget of(int... indices) { return new IndexForget(indices, null); }

    /** Reads the indices of {@code file} (see the header). */
    public static IndexForget read(Path file) {
        String arg = "indices=" + file;
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw Requests.bad(arg, "file " + file + " does not exist");
        } catch (MalformedInputException e) {
            throw Requests.bad(arg, "file " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw Requests.bad(arg, "cannot read " + file + ": " + e);
        }
        int[] out = new int[lines.size()];
        int n = 0;
        Map<Integer, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String value = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (value.isEmpty()) continue;
            int v;
            try {
                v = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw Requests.bad(arg, "line " + (i + 1) + ": '" + value + "' is not an index");
            }
            if (v < 0) throw Requests.bad(arg, "line " + (i + 1) + ": index " + v + " is negative");
            Integer first = seen.putIfAbsent(v, i + 1);
            if (first != null) throw Requests.bad(arg, "index " + v + " appears twice (lines " + first + " and " + (i + 1) + ")");
            out[n++] = v;
        }
        if (n == 0) throw Requests.bad(arg, "file " + file + " lists no index");
        return new IndexForget(Arrays.copyOf(out, n), file);
    }

    @Override public int[] indices() { return indices.clone(); }

    @Override public String kind() { return "indices"; }

    @Override public String spec() { return file != null ? "indices=" + file : "indices=[" + indices.length + " given]"; }

    /** Checks every index against a training set of {@code n} samples. */
    void check(int n, String dataset) {
        for (int v : indices)
            if (v >= n) throw Requests.bad(spec(), "index " + v + " is out of range; " + dataset + " has " + n + " samples (0.." + (n - 1) + ")");
    }

    @Override public boolean equals(Object o) {
        return o instanceof IndexForget(int[] i, Path f) && Arrays.equals(indices, i) && Objects.equals(file, f);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(indices) + Objects.hashCode(file); }

    @Override public String toString() { return "IndexForget[" + spec() + ", " + indices.length + " indices]"; }
}
