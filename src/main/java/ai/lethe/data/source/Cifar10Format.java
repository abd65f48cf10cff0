// CIFAR-10, binary version (www.cs.toronto.edu/~kriz/cifar.html): data_batch_1.bin .. data_batch_5.bin (train)
// and test_batch.bin, records of 1 label byte + 3072 pixel bytes (CHW: R, G, B planes of 32x32), class names from
// batches.meta.txt when present. The folder may be the archive's cifar-10-batches-bin/ or the one holding it.
package ai.lethe.data.source;

import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

public final class Cifar10Format {
    /** The folder the official archive unpacks to. */
    public static final String ARCHIVE_FOLDER = "cifar-10-batches-bin";

    public static final List<String> TRAIN_FILES = IntStream.rangeClosed(1, 5).mapToObj(i -> "data_batch_" + i + ".bin").toList();
    public static final String TEST_FILE = "test_batch.bin", META_FILE = "batches.meta.txt";

    private Cifar10Format() {}

    /** Whether {@code folder} (or its cifar-10-batches-bin/) holds the six batches. */
    public static boolean isPresent(Path folder) {
        Path d = batches(folder);
        return Files.isRegularFile(d.resolve(TEST_FILE)) && TRAIN_FILES.stream().allMatch(f -> Files.isRegularFile(d.resolve(f)));
    }

    /** Loads the train (five batches) and test parts as {@code name}/train and {@code name}/test. */
    public static TrainTest load(Path folder, String name) throws IOException {
        Path d = batches(folder);
        List<String> classes = CifarNames.readOrStandard(d.resolve(META_FILE), CifarNames.CIFAR10);
        return new TrainTest(name,
                part(TRAIN_FILES.stream().map(d::resolve).toList(), name + "/train", classes),
                part(List.of(d.resolve(TEST_FILE)), name + "/test", classes));
    }

    private static ByteImageDataset part(List<Path> files, String name, List<String> classes) throws IOException {
        var r = CifarRecords.read(files, new int[] {classes.size()}, new String[] {"label"});
        return new ByteImageDataset(name, new ImageShape(3, CifarRecords.SIDE, CifarRecords.SIDE), classes,
                r.pixels(), r.labels()[0]);
    }

    /** {@code folder}/cifar-10-batches-bin when it exists, else {@code folder}. */
    static Path batches(Path folder) {
        Path inner = folder.resolve(ARCHIVE_FOLDER);
        return Files.isDirectory(inner) ? inner : folder;
    }
}
