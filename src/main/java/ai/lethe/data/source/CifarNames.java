// The standard class names of CIFAR-10 and CIFAR-100 (as in batches.meta.txt, fine_label_names.txt and
// coarse_label_names.txt of the binary archives), CIFAR-100's superclass membership as listed on
// www.cs.toronto.edu/~kriz/cifar.html, and reading those name files when an archive has them.
package ai.lethe.data.source;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class CifarNames {
    public static final List<String> CIFAR10 = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    /** The 100 fine classes, indexed by fine label (alphabetical, as in fine_label_names.txt). */
    public static final List<String> CIFAR100_FINE = List.of(
            "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
            "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
            "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
            "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
            "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
            "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
            "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
            "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
            "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
            "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm");

    /** Each superclass (in coarse-label order, as in coarse_label_names.txt) with its five fine classes. */
    public static final Map<String, List<String>> CIFAR100_SUPERCLASSES = superclasses();

    /** The 20 superclasses, indexed by coarse label. */
    public static final List<String> CIFAR100_COARSE = List.copyOf(CIFAR100_SUPERCLASSES.keySet());

    private CifarNames() {}

    private static Map<String, List<String>> superclasses() {
        var m = new LinkedHashMap<String, List<String>>();
        m.put("aquatic_mammals", List.of("beaver", "dolphin", "otter", "seal", "whale"));
        m.put("fish", List.of("aquarium_fish", "flatfish", "ray", "shark", "trout"));
        m.put("flowers", List.of("orchid", "poppy", "rose", "sunflower", "tulip"));
        m.put("food_containers", List.of("bottle", "bowl", "can", "cup", "plate"));
        m.put("fruit_and_vegetables", List.of("apple", "mushroom", "orange", "pear", "sweet_pepper"));
        m.put("household_electrical_devices", List.of("clock", "keyboard", "lamp", "telephone", "television"));
        m.put("household_furniture", List.of("bed", "chair", "couch", "table", "wardrobe"));
        m.put("insects", List.of("bee", "beetle", "butterfly", "caterpillar", "cockroach"));
        m.put("large_carnivores", List.of("bear", "leopard", "lion", "tiger", "wolf"));
        m.put("large_man-made_outdoor_things", List.of("bridge", "castle", "house", "road", "skyscraper"));
        m.put("large_natural_outdoor_scenes", List.of("cloud", "forest", "mountain", "plain", "sea"));
        m.put("large_omnivores_and_herbivores", List.of("camel", "cattle", "chimpanzee", "elephant", "kangaroo"));
        m.put("medium_mammals", List.of("fox", "porcupine", "possum", "raccoon", "skunk"));
        m.put("non-insect_invertebrates", List.of("crab", "lobster", "snail", "spider", "worm"));
        m.put("people", List.of("baby", "boy", "girl", "man", "woman"));
        m.put("reptiles", List.of("crocodile", "dinosaur", "lizard", "snake", "turtle"));
        m.put("small_mammals", List.of("hamster", "mouse", "rabbit", "shrew", "squirrel"));
        m.put("trees", List.of("maple_tree", "oak_tree", "palm_tree", "pine_tree", "willow_tree"));
        m.put("vehicles_1", List.of("bicycle", "bus", "motorcycle", "pickup_truck", "train"));
        m.put("vehicles_2", List.of("lawn_mower", "rocket", "streetcar", "tank", "tractor"));
        return Collections.unmodifiableMap(m);
    }

    /** The standard coarse label of each fine label (index = fine label). */
    public static int[] standardParents() {
        int[] parent = new int[CIFAR100_FINE.size()];
        int coarse = 0;
        for (List<String> members : CIFAR100_SUPERCLASSES.values()) {
            for (String fine : members) parent[CIFAR100_FINE.indexOf(fine)] = coarse;
            coarse++;
        }
        return parent;
    }

    /**
     * The names in {@code file} (one a line, blank lines ignored, as in batches.meta.txt) or {@code standard} when
     * the file does not exist; a file with a different number of names, or that is not UTF-8 text, is an error
     * naming the file.
     */
    static List<String> readOrStandard(Path file, List<String> standard) throws IOException {
        if (!Files.isRegularFile(file)) return standard;
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new DatasetFormatException(file, "is not UTF-8 text (a class-name file lists one name a line); re-save it as"
                    + " UTF-8 or delete it to use the standard names", e);
        }
        List<String> names = lines.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (names.size() != standard.size())
            throw new DatasetFormatException(file, "lists " + names.size() + " class names, expected " + standard.size());
        return names;
    }
}
