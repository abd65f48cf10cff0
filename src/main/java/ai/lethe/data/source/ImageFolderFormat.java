// A folder of images, one sub-folder per class (root/<class>/*.png|jpg|jpeg, like torchvision's ImageFolder):
// classes sorted by folder name, files sorted by name, decoded with javax.imageio when loaded and kept as bytes.
// Every image becomes the same shape: the channel count and size are fixed by the options, else by the first
// image; an image of another size is an error unless a resize is asked for. A train/test pair (root/train,
// root/test) shares the train part's classes, channels and size.
package ai.lethe.data.source;

import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

public final class ImageFolderFormat {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

    private ImageFolderFormat() {}

    /** Loads {@code root}/train and {@code root}/test; the test part uses the train part's classes and shape. */
    public static TrainTest loadTrainTest(Path root, String name, ImageFolderOptions options) throws IOException {
        for (String part : List.of("train", "test"))
            if (!Files.isDirectory(root.resolve(part)))
                throw new NoSuchFileException(root.resolve(part).toString(), null,
                        "an image-folder dataset needs train/ and test/ folders, each with one folder per class");
        ByteImageDataset train = load(root.resolve("train"), name + "/train", options, null);
        ImageShape s = train.shape();
        var testOptions = new ImageFolderOptions(s.channels(), options.height(), options.width());
        ByteImageDataset test = load(root.resolve("test"), name + "/test", testOptions, train.classNames(), s);
        return new TrainTest(name, train, test);
    }

    /**
     * Loads the class folders of {@code root}. With {@code classNames} null the classes are root's sub-folders;
     * otherwise they are those names (labels are indices into them) and root may hold only some of them.
     */
    public static ByteImageDataset load(Path root, String name, ImageFolderOptions options, List<String> classNames)
            throws IOException {
        return load(root, name, options, classNames, null);
    }

    private static ByteImageDataset load(Path root, String name, ImageFolderOptions options, List<String> classNames,
                                         ImageShape required) throws IOException {
        List<String> folders = classFolders(root);
        if (folders.isEmpty()) throw new NoSuchFileException(root.toString(), null, "no class folders in it");
        List<String> classes = classNames == null ? folders : classNames;
        for (String f : folders)
            if (!classes.contains(f))
                throw new DatasetFormatException(root.resolve(f), "class folder '" + f + "' is not one of the train classes " + classes);
        List<Path> files = new ArrayList<>();
        List<Integer> labelList = new ArrayList<>();
        for (String f : folders) {
            List<Path> images = imageFiles(root.resolve(f));
            if (images.isEmpty())
                throw new DatasetFormatException(root.resolve(f), "class folder has no " + String.join("/", EXTENSIONS) + " images");
            files.addAll(images);
            int label = classes.indexOf(f);
            images.forEach(_ -> labelList.add(label));
        }
        BufferedImage first = decode(files.getFirst());
        int channels = options.channels() != 0 ? options.channels() : ImageDecoding.isGrey(first) ? 1 : 3;
        ImageShape shape = options.resizes()
                ? new ImageShape(channels, options.height(), options.width())
                : new ImageShape(channels, first.getHeight(), first.getWidth());
        if (required != null && !options.resizes() && !required.equals(shape))
            throw new DatasetFormatException(files.getFirst(), "image is " + shape.height() + "x" + shape.width()
                    + " but the train images are " + required.height() + "x" + required.width()
                    + "; give a resize option to bring them to one size");
        byte[] pixels = new byte[Math.multiplyExact(files.size(), shape.size())];
        try {
            IntStream.range(0, files.size()).parallel().forEach(i -> {
                try {
                    BufferedImage img = i == 0 ? first : decode(files.get(i));
                    place(img, files.get(i), files.getFirst(), shape, options.resizes(), pixels, i * shape.size());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return new ByteImageDataset(name, shape, classes, pixels, labelList.stream().mapToInt(Integer::intValue).toArray());
    }

    private static void place(BufferedImage img, Path file, Path firstFile, ImageShape shape, boolean resize,
                              byte[] pixels, int offset) throws DatasetFormatException {
        int h = img.getHeight(), w = img.getWidth(), c = shape.channels();
        if (h == shape.height() && w == shape.width()) {
            ImageDecoding.toPlanes(img, c, pixels, offset);
        } else if (resize) {
            byte[] planes = new byte[c * h * w];
            ImageDecoding.toPlanes(img, c, planes, 0);
            BilinearResize.resize(planes, c, h, w, pixels, offset, shape.height(), shape.width());
        } else {
            throw new DatasetFormatException(file, "image is " + h + "x" + w + " (height x width) but " + firstFile
                    + " is " + shape.height() + "x" + shape.width() + "; all images must be one size, or give a resize option");
        }
    }

    /** Decodes one image file; what ImageIO cannot read is an error naming the file. */
    static BufferedImage decode(Path file) throws DatasetFormatException {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null)
                throw new DatasetFormatException(file, "cannot decode the image: not a PNG or JPEG that javax.imageio can read");
            return img;
        } catch (DatasetFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DatasetFormatException(file, "cannot decode the image: " + e.getMessage(), e);
        }
    }

    private static List<String> classFolders(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    private static List<Path> imageFiles(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                        return !n.startsWith(".") && EXTENSIONS.stream().anyMatch(n::endsWith);
                    })
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        }
    }
}
