// The dataset registry: a name gives a TrainTest. "mnist", "fashion-mnist", "cifar10", "cifar100" and "cifar20"
// are read from their data folder (see DataLocations) and downloaded there when missing; "synthetic" or
// "synthetic:key=value,..." is generated; "folder:PATH" reads PATH/train and PATH/test (one sub-folder per class).
// Names ignore case and '-' / '_' ("CIFAR-10" works). normalization(name) gives a named dataset's preset.
// Any of them followed by @LIST keeps only those classes, relabelled 0..k-1 (ai.lethe.data.ClassSelection):
// "fashion-mnist@0-5" is a 6-class task, the source task of a transfer study.
package ai.lethe.data.source;

import ai.lethe.data.TrainTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

public final class Datasets {
    private static final System.Logger LOG = System.getLogger("ai.lethe.data");

    private Datasets() {}

    /** Every name load accepts, for help texts and error messages. */
    public static List<String> names() {
        return Stream.concat(Stream.of(KnownDataset.values()).map(KnownDataset::id),
                Stream.of("synthetic[:key=value,...]", "folder:PATH")).toList();
    }

    /** Loads {@code name} with {@link LoadOptions#defaults()}. */
    public static TrainTest load(String name) throws IOException { return load(name, LoadOptions.defaults()); }

    /**
     * Loads {@code name}: a named dataset (read from its folder, downloaded when missing and a downloader is
     * set), "synthetic[:options]" or "folder:PATH".
     *
     * @throws IllegalArgumentException for an unknown name or bad synthetic options
     * @throws DatasetNotFoundException when a named dataset is missing and cannot be downloaded
     * @throws DatasetFormatException when a file is malformed
     */
    public static TrainTest load(String name, LoadOptions options) throws IOException {
        String spec = name.strip();
        int at = classSuffix(spec);
        if (at >= 0) {
            TrainTest all = load(spec.substring(0, at), options);
            int[] classes = ai.lethe.data.ClassSelection.parse(spec.substring(at + 1), "dataset " + spec);
            ai.lethe.data.ClassSelection.checkClasses(classes, all.train().numClasses(), all.name());
            return ai.lethe.data.ClassSelection.of(all, classes);
        }
        if (spec.equals("synthetic") || spec.startsWith("synthetic:"))
            return SyntheticImages.generate(SyntheticOptions.parse(spec.substring("synthetic".length()).replaceFirst("^:", "")));
        if (spec.startsWith("folder:")) {
            String p = spec.substring("folder:".length());
            if (p.isBlank()) throw new IllegalArgumentException("folder: needs a path, e.g. folder:/data/my-images");
            Path root = Path.of(p).toAbsolutePath().normalize();
            return ImageFolderFormat.loadTrainTest(root, "folder:" + root, options.folder());
        }
        KnownDataset known = KnownDataset.byName(spec).orElseThrow(() -> new IllegalArgumentException(
                "unknown dataset '" + name + "'; known: " + String.join(", ", names())));
        return loadKnown(known, options, known.source());
    }

    /** The preset normalisation of a named dataset ("cifar10", "CIFAR-10", ...); empty for others. */
    public static Optional<Normalization> normalization(String name) {
        String spec = name.strip();
        int at = classSuffix(spec);
        return KnownDataset.byName(at >= 0 ? spec.substring(0, at) : spec).flatMap(d -> Normalization.preset(d.id()));
    }

    /** Where a trailing @LIST (a class selection) starts in {@code spec}, or -1 when there is none. */
    private static int classSuffix(String spec) {
        int at = spec.lastIndexOf('@');
        return at > 0 && ai.lethe.data.ClassSelection.isList(spec.substring(at + 1)) ? at : -1;
    }

    /** Loads a named dataset, downloading {@code source} when it is missing (tests pass their own source). */
    static TrainTest loadKnown(KnownDataset d, LoadOptions options, DownloadSource source) throws IOException {
        DataLocations locations = options.locations();
        Optional<Path> found = locations.find(d.folder(), d::isPresent);
        if (found.isPresent()) return d.load(found.get());
        Path target = locations.downloadFolder(d.folder());
        Downloader downloader = options.downloader();
        if (downloader == null)
            throw notFound(d, locations, "downloading is turned off", null, d.installHelp(target, source.mirrors()));
        try {
            LOG.log(System.Logger.Level.INFO, "{0} is not on this machine; downloading it to {1}", d.id(), target);
            downloader.download(source, target);
        } catch (DownloadException e) {
            throw notFound(d, locations, "downloading it failed: " + e.getMessage(), e,
                    d.installHelp(target, downloader.mirrors(source)));
        }
        if (!d.isPresent(target))
            throw new IOException("the download of " + d.id() + " into " + target + " does not hold the expected files");
        return d.load(target);
    }

    private static DatasetNotFoundException notFound(KnownDataset d, DataLocations locations, String why, Exception cause,
                                                     String help) {
        String looked = String.join(", ", locations.candidates(d.folder()).stream().map(Path::toString).toList());
        return new DatasetNotFoundException(d.id(), d.id() + " is not on this machine, and " + why + ".\n"
                + "Looked in: " + looked + ".\n"
                + "To install it by hand: " + help + "\n"
                + "(Or set " + DataLocations.ENV + " to a folder that holds " + d.folder() + "/.)", cause);
    }
}
