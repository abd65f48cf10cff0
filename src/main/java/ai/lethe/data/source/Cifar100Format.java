// CIFAR-100, binary version (www.cs.toronto.edu/~kriz/cifar.html): train.bin and test.bin, records of a coarse
// label byte (20 superclasses), a fine label byte (100 classes) and 3072 pixel bytes (CHW), names from
// fine_label_names.txt / coarse_label_names.txt when present. One read gives both views that share the pixels:
// CIFAR-100 (fine labels) and CIFAR-20 (coarse labels, with each sample's fine class as its sub-class). A fine
// class's parent is the coarse label its records carry (a fine class with two different ones is an error);
// classes absent from the files get the standard parent.
package ai.lethe.data.source;

import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

public final class Cifar100Format {
    /** The folder the official archive unpacks to. */
    public static final String ARCHIVE_FOLDER = "cifar-100-binary";

    public static final String TRAIN_FILE = "train.bin", TEST_FILE = "test.bin",
            FINE_NAMES_FILE = "fine_label_names.txt", COARSE_NAMES_FILE = "coarse_label_names.txt";

    private static final ImageShape SHAPE = new ImageShape(3, CifarRecords.SIDE, CifarRecords.SIDE);

    /** Both parts read once, viewable as CIFAR-100 or CIFAR-20 (the views share the pixel arrays). */
    public static final class Loaded {
        private final CifarRecords.Read train, test;
        private final List<String> fineNames, coarseNames;
        private final int[] parents;

        private Loaded(CifarRecords.Read train, CifarRecords.Read test, List<String> fineNames,
                       List<String> coarseNames, int[] parents) {
            this.train = train;
            this.test = test;
            this.fineNames = fineNames;
            this.coarseNames = coarseNames;
            this.parents = parents;
        }

        /** Fine labels as the target: 100 classes. */
        public TrainTest cifar100(String name) {
            return new TrainTest(name,
                    new ByteImageDataset(name + "/train", SHAPE, fineNames, train.pixels(), train.labels()[1]),
                    new ByteImageDataset(name + "/test", SHAPE, fineNames, test.pixels(), test.labels()[1]));
        }

        /** Coarse labels as the target: 20 superclasses, with the fine classes as sub-classes. */
        public TrainTest cifar20(String name) {
            return new TrainTest(name, coarse(train, name + "/train"), coarse(test, name + "/test"));
        }

        /** The superclass (coarse label) of each fine class. */
        public int[] parents() { return parents.clone(); }

        private ByteImageDataset coarse(CifarRecords.Read r, String name) {
            return new ByteImageDataset(name, SHAPE, coarseNames, r.pixels(), r.labels()[0],
                    new FineClasses(fineNames, r.labels()[1], parents));
        }
    }

    private Cifar100Format() {}

    /** Whether {@code folder} (or its cifar-100-binary/) holds train.bin and test.bin. */
    public static boolean isPresent(Path folder) {
        Path d = binaries(folder);
        return Files.isRegularFile(d.resolve(TRAIN_FILE)) && Files.isRegularFile(d.resolve(TEST_FILE));
    }

    /** Reads both parts and the names. */
    public static Loaded read(Path folder) throws IOException {
        Path d = binaries(folder);
        List<String> fine = CifarNames.readOrStandard(d.resolve(FINE_NAMES_FILE), CifarNames.CIFAR100_FINE);
        List<String> coarse = CifarNames.readOrStandard(d.resolve(COARSE_NAMES_FILE), CifarNames.CIFAR100_COARSE);
        int[] counts = {coarse.size(), fine.size()};
        String[] what = {"coarse label", "fine label"};
        Path trainFile = d.resolve(TRAIN_FILE), testFile = d.resolve(TEST_FILE);
        var train = CifarRecords.read(List.of(trainFile), counts, what);
        var test = CifarRecords.read(List.of(testFile), counts, what);
        int[] seen = new int[fine.size()];
        Arrays.fill(seen, -1);
        observeParents(train, trainFile, seen, fine, coarse);
        observeParents(test, testFile, seen, fine, coarse);
        int[] standard = CifarNames.standardParents();
        for (int f = 0; f < seen.length; f++) if (seen[f] < 0) seen[f] = standard[f];
        return new Loaded(train, test, fine, coarse, seen);
    }

    private static void observeParents(CifarRecords.Read r, Path file, int[] parent, List<String> fine,
                                       List<String> coarse) throws DatasetFormatException {
        for (int i = 0; i < r.count(); i++) {
            int c = r.labels()[0][i], f = r.labels()[1][i];
            if (parent[f] < 0) parent[f] = c;
            else if (parent[f] != c)
                throw new DatasetFormatException(file, "record " + i + " puts fine class " + f + " (" + fine.get(f)
                        + ") in superclass " + c + " (" + coarse.get(c) + ") but earlier records put it in "
                        + parent[f] + " (" + coarse.get(parent[f]) + ")");
        }
    }

    /** {@code folder}/cifar-100-binary when it exists, else {@code folder}. */
    static Path binaries(Path folder) {
        Path inner = folder.resolve(ARCHIVE_FOLDER);
        return Files.isDirectory(inner) ? inner : folder;
    }
}
