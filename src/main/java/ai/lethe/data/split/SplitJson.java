// The JSON form of a Split, written next to every result so the split can be checked and rebuilt:
//   {"format": "lethe-split/1", "dataset": "cifar10", "request": "class=3", "kind": "class", "seed": 0,
//    "trainSize": 50000, "testSize": 10000, "forgetTestFrom": "test" | "train",
//    "sizes": {"forget": .., "retain": .., "forgetTest": .., "retainTest": ..},
//    "forget": [sorted indices], "retain": [...], "forgetTest": [...], "retainTest": [...]}
// Reading re-parses the request from "request", except for index requests, whose indices are "forget" itself
// (the file they came from may be gone). Files are written atomically and read with the data layer's JsonRecords
// (shared with poison.json).
package ai.lethe.data.split;

import ai.lethe.data.JsonRecords;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

final class SplitJson {
    static final String FORMAT = "lethe-split/1";
    private static final JsonMapper JSON = JsonRecords.mapper();

    private SplitJson() {}

    static String write(Split s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("dataset", s.dataset());
        root.put("request", s.request().spec());
        root.put("kind", s.request().kind());
        root.put("seed", s.seed());
        root.put("trainSize", s.trainSize());
        root.put("testSize", s.testSize());
        root.put("forgetTestFrom", s.forgetTestFromTrain() ? "train" : "test");
        ObjectNode sizes = root.putObject("sizes");
        sizes.put("forget", s.forget().length);
        sizes.put("retain", s.retain().length);
        sizes.put("forgetTest", s.forgetTest().length);
        sizes.put("retainTest", s.retainTest().length);
        array(root.putArray("forget"), s.forget());
        array(root.putArray("retain"), s.retain());
        array(root.putArray("forgetTest"), s.forgetTest());
        array(root.putArray("retainTest"), s.retainTest());
        return JsonRecords.text(root);
    }

    private static void array(ArrayNode node, int[] values) {
        for (int v : values) node.add(v);
    }

    static Split read(String json) {
        JsonNode root = JsonRecords.object(json, FORMAT);
        String kind = text(root, "kind"), spec = text(root, "request"), from = text(root, "forgetTestFrom");
        if (!from.equals("train") && !from.equals("test")) throw new IllegalArgumentException("forgetTestFrom must be \"train\" or \"test\", got '" + from + "'");
        int[] forget = ints(root, "forget");
        ForgetRequest request = kind.equals("indices")
                ? new IndexForget(forget, spec.startsWith("indices=[") ? null : Path.of(spec.substring("indices=".length())))
                : ForgetRequest.parse(spec);
        if (!request.kind().equals(kind)) throw new IllegalArgumentException("request '" + spec + "' is not of kind '" + kind + "'");
        Split s = new Split(text(root, "dataset"), request, number(root, "seed").asLong(), number(root, "trainSize").asInt(),
                number(root, "testSize").asInt(), from.equals("train"), forget, ints(root, "retain"), ints(root, "forgetTest"),
                ints(root, "retainTest"));
        JsonNode sizes = root.get("sizes");
        if (sizes != null) {
            check(sizes, "forget", s.forget().length);
            check(sizes, "retain", s.retain().length);
            check(sizes, "forgetTest", s.forgetTest().length);
            check(sizes, "retainTest", s.retainTest().length);
        }
        return s;
    }

    static void writeFile(Split s, Path file) throws IOException {
        JsonRecords.write(file, write(s));
    }

    static Split readFile(Path file) throws IOException {
        return JsonRecords.read(file, "split file", SplitJson::read);
    }

    private static String text(JsonNode root, String key) { return JsonRecords.text(root, key); }

    private static JsonNode number(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isIntegralNumber()) throw new IllegalArgumentException("\"" + key + "\" is missing or not a whole number");
        return n;
    }

    private static int[] ints(JsonNode root, String key) { return JsonRecords.indices(root, key); }

    private static void check(JsonNode sizes, String key, int actual) {
        JsonNode n = sizes.get(key);
        if (n != null && n.asInt(-1) != actual)
            throw new IllegalArgumentException("sizes." + key + " is " + n.asText() + " but \"" + key + "\" lists " + actual + " indices");
    }
}
