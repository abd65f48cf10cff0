// A folder of MNIST-format files (MNIST, Fashion-MNIST): train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each gzipped (".gz", as distributed) or not (also the
// "train-images.idx3-ubyte" spelling some unpackers produce). Loads both parts as 1xHxW datasets, checking that
// each image file has as many images as its label file has labels, that neither part is empty and that the test
// images have the training images' size (errors name the file).
package ai.lethe.data.source;

import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

public final class MnistFormat {
    /** MNIST's class names: the digits. */
    public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Fashion-MNIST's class names, from the dataset's README (github.com/zalandoresearch/fashion-mnist). */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** The four files, by their official (gzipped) names. */
    public static final List<String> FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    private MnistFormat() {}

    /** Whether {@code folder} holds all four files (under any accepted spelling). */
    public static boolean isPresent(Path folder) {
        return FILES.stream().allMatch(f -> find(folder, stem(f)).isPresent());
    }

    /** Loads {@code folder}'s train and test parts as {@code name}/train and {@code name}/test. */
    public static TrainTest load(Path folder, String name, List<String> classNames) throws IOException {
        ByteImageDataset train = part(folder, "train", name + "/train", classNames);
        ByteImageDataset test = part(folder, "t10k", name + "/test", classNames);
        if (!train.shape().equals(test.shape()))
            throw new DatasetFormatException(require(folder, "t10k-images-idx3-ubyte"), "holds images of " + test.shape().height()
                    + "x" + test.shape().width() + " pixels but " + require(folder, "train-images-idx3-ubyte") + " holds "
                    + train.shape().height() + "x" + train.shape().width() + "; the test images must have the training images' size");
        return new TrainTest(name, train, test);
    }

    private static ByteImageDataset part(Path folder, String prefix, String name, List<String> classNames) throws IOException {
        Path imageFile = require(folder, prefix + "-images-idx3-ubyte");
        Path labelFile = require(folder, prefix + "-labels-idx1-ubyte");
        IdxReader.Images images = IdxReader.readImages(imageFile);
        if (images.count() == 0)
            throw new DatasetFormatException(imageFile, "holds no images (its IDX header counts 0); a dataset's "
                    + ("train".equals(prefix) ? "training" : "test") + " part must not be empty");
        int[] labels = IdxReader.readLabels(labelFile, classNames.size());
        if (images.count() != labels.length)
            throw new DatasetFormatException(imageFile, "holds " + images.count() + " images but " + labelFile
                    + " holds " + labels.length + " labels; the two must have one label per image");
        return new ByteImageDataset(name, new ImageShape(1, images.rows(), images.cols()), classNames,
                images.pixels(), labels);
    }

    private static Path require(Path folder, String stem) throws NoSuchFileException {
        return find(folder, stem).orElseThrow(() -> new NoSuchFileException(folder.resolve(stem + ".gz").toString(),
                null, "missing (also looked for " + stem + " and " + stem.replaceFirst("-idx", ".idx") + ")"));
    }

    /** The first existing file among {@code stem}.gz, {@code stem}, and the ".idx" spellings of both. */
    static Optional<Path> find(Path folder, String stem) {
        String dotted = stem.replaceFirst("-idx", ".idx");
        for (String n : List.of(stem + ".gz", stem, dotted + ".gz", dotted)) {
            Path p = folder.resolve(n);
            if (Files.isRegularFile(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    private static String stem(String gzName) { return gzName.substring(0, gzName.length() - ".gz".length()); }
}
