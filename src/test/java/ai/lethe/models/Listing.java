// Reader of the structure listings written by tools/reference/model_fixtures.py: "section <name>" lines, each
// followed by its lines (config JSON, state_dict "key dtype d0,d1,...", named_parameters, named_buffers,
// named_modules "name Type", num_parameters); '#' lines are comments.
package ai.lethe.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class Listing {
    private Listing() {}

    static String text(String resource) {
        try (InputStream in = Listing.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test resource " + resource + " (run tools/reference/model_fixtures.py)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, List<String>> sections(String resource) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : text(resource).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            if (line.startsWith("section ")) out.put(line.substring(8), current = new ArrayList<>());
            else if (current == null) throw new IllegalStateException(resource + ": text before the first section");
            else current.add(line);
        }
        return out;
    }
}
