// The datasets Lethe knows by name: the folder each lives in, how to tell it is there, how to read it, its
// official download, and what to tell a user who has no network. CIFAR-100 and CIFAR-20 share one folder and
// one download (CIFAR-20 is CIFAR-100 with the superclasses as labels).
//
// Checksums: MNIST — the MD5s torchvision lists for these files (torchvision/datasets/mnist.py, MNIST.resources),
// the files yann.lecun.com/exdb/mnist serves, mirrored by PyTorch on ossci-datasets.s3.amazonaws.com.
// Fashion-MNIST — the MD5 table of the dataset's README (github.com/zalandoresearch/fashion-mnist; Debian ships
// the same README in /usr/share/doc/dataset-fashion-mnist). CIFAR-10 and CIFAR-100 binary — the MD5s on the
// dataset's page, www.cs.toronto.edu/~kriz/cifar.html.
package ai.lethe.data.source;

import ai.lethe.data.TrainTest;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

enum KnownDataset {
    MNIST("mnist", "mnist"),
    FASHION_MNIST("fashion-mnist", "fashion-mnist"),
    CIFAR10("cifar10", "cifar10"),
    CIFAR100("cifar100", "cifar100"),
    CIFAR20("cifar20", "cifar100");

    private static final DownloadSource MNIST_SOURCE = new DownloadSource("mnist",
            List.of(URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"), URI.create("http://yann.lecun.com/exdb/mnist/")),
            List.of(new RemoteFile("train-images-idx3-ubyte.gz", Checksum.md5("f68b3c2dcbeaaa9fbdd348bbdeb94873"), false),
                    new RemoteFile("train-labels-idx1-ubyte.gz", Checksum.md5("d53e105ee54ea40749a09fcbcd1e9432"), false),
                    new RemoteFile("t10k-images-idx3-ubyte.gz", Checksum.md5("9fb629c4189551a2d022fa330f9573f3"), false),
                    new RemoteFile("t10k-labels-idx1-ubyte.gz", Checksum.md5("ec29112dd5afa0611ce80d1b7f02629c"), false)));

    private static final DownloadSource FASHION_MNIST_SOURCE = new DownloadSource("fashion-mnist",
            List.of(URI.create("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
                    URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")),
            List.of(new RemoteFile("train-images-idx3-ubyte.gz", Checksum.md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d"), false),
                    new RemoteFile("train-labels-idx1-ubyte.gz", Checksum.md5("25c81989df183df01b3e8a0aad5dffbe"), false),
                    new RemoteFile("t10k-images-idx3-ubyte.gz", Checksum.md5("bef4ecab320f06d8554ea6380940ec79"), false),
                    new RemoteFile("t10k-labels-idx1-ubyte.gz", Checksum.md5("bb300cfdad3c16e7a12a480ee83cd310"), false)));

    private static final URI TORONTO = URI.create("https://www.cs.toronto.edu/~kriz/");

    private static final DownloadSource CIFAR10_SOURCE = new DownloadSource("cifar10", List.of(TORONTO),
            List.of(new RemoteFile("cifar-10-binary.tar.gz", Checksum.md5("c32a1d4ab5d03f1284b67883e8d87530"), true)));

    private static final DownloadSource CIFAR100_SOURCE = new DownloadSource("cifar100", List.of(TORONTO),
            List.of(new RemoteFile("cifar-100-binary.tar.gz", Checksum.md5("03b5dce01913d631647c71ecec9e9cb8"), true)));

    private final String id, folder;

    KnownDataset(String id, String folder) {
        this.id = id;
        this.folder = folder;
    }

    /** The name it is loaded by ("fashion-mnist"). */
    String id() { return id; }

    /** The data folder's name under a root. */
    String folder() { return folder; }

    /** The dataset whose name is {@code name}, ignoring case, '-' and '_' ("CIFAR-10", "fashion_mnist"). */
    static Optional<KnownDataset> byName(String name) {
        String key = squash(name);
        return Arrays.stream(values()).filter(d -> squash(d.id).equals(key)).findFirst();
    }

    private static String squash(String s) { return s.strip().toLowerCase(Locale.ROOT).replace("-", "").replace("_", ""); }

    boolean isPresent(Path dir) {
        return switch (this) {
            case MNIST, FASHION_MNIST -> MnistFormat.isPresent(dir);
            case CIFAR10 -> Cifar10Format.isPresent(dir);
            case CIFAR100, CIFAR20 -> Cifar100Format.isPresent(dir);
        };
    }

    TrainTest load(Path dir) throws IOException {
        return switch (this) {
            case MNIST -> MnistFormat.load(dir, id, MnistFormat.MNIST_CLASSES);
            case FASHION_MNIST -> MnistFormat.load(dir, id, MnistFormat.FASHION_MNIST_CLASSES);
            case CIFAR10 -> Cifar10Format.load(dir, id);
            case CIFAR100 -> Cifar100Format.read(dir).cifar100(id);
            case CIFAR20 -> Cifar100Format.read(dir).cifar20(id);
        };
    }

    DownloadSource source() {
        return switch (this) {
            case MNIST -> MNIST_SOURCE;
            case FASHION_MNIST -> FASHION_MNIST_SOURCE;
            case CIFAR10 -> CIFAR10_SOURCE;
            case CIFAR100, CIFAR20 -> CIFAR100_SOURCE;
        };
    }

    /** How to install it by hand into {@code dir}: which files, from where, unpacked how. */
    String installHelp(Path dir, List<URI> mirrors) {
        URI first = mirrors.getFirst();
        return switch (this) {
            case MNIST, FASHION_MNIST -> {
                String files = String.join(", ", MnistFormat.FILES);
                String base = "put the four files " + files + " (from " + first + ", gzipped as they come or unpacked) in "
                        + dir + ".";
                yield this == FASHION_MNIST
                        ? base + " Or install Debian's package: sudo apt-get install dataset-fashion-mnist (it puts them in "
                                + DataLocations.SYSTEM_FOLDERS.get("fashion-mnist").getFirst() + ")."
                        : base;
            }
            case CIFAR10 -> archiveHelp(dir, first, Cifar10Format.ARCHIVE_FOLDER,
                    String.join(", ", Cifar10Format.TRAIN_FILES) + ", " + Cifar10Format.TEST_FILE);
            case CIFAR100, CIFAR20 -> archiveHelp(dir, first, Cifar100Format.ARCHIVE_FOLDER,
                    Cifar100Format.TRAIN_FILE + ", " + Cifar100Format.TEST_FILE);
        };
    }

    private String archiveHelp(Path dir, URI mirror, String inner, String files) {
        RemoteFile archive = source().files().getFirst();
        return "download " + DownloadSource.url(mirror, archive) + " (" + archive.checksum() + ") where there is a network, "
                + "then unpack it with: mkdir -p " + dir + " && tar -xzf " + archive.name() + " -C " + dir
                + " (so that " + dir.resolve(inner) + " holds " + files + ").";
    }
}
