// How Datasets.load finds and reads a dataset: where to look (DataLocations), how to download a missing named
// dataset (a Downloader, or null to never download), and how to read image folders.
package ai.lethe.data.source;

import java.util.Objects;

public record LoadOptions(DataLocations locations, Downloader downloader, ImageFolderOptions folder) {
    public LoadOptions {
        Objects.requireNonNull(locations, "locations");
        Objects.requireNonNull(folder, "folder");
    }

    /** The standard locations, downloads from the official mirrors, image folders as their first image is. */
    public static LoadOptions defaults() {
        return new LoadOptions(DataLocations.standard(), Downloader.standard(), ImageFolderOptions.defaults());
    }

    public LoadOptions withLocations(DataLocations locations) { return new LoadOptions(locations, downloader, folder); }

    public LoadOptions withDownloader(Downloader downloader) { return new LoadOptions(locations, downloader, folder); }

    /** Never downloads: a missing dataset is an error saying where to put its files. */
    public LoadOptions offline() { return new LoadOptions(locations, null, folder); }

    public LoadOptions withFolderOptions(ImageFolderOptions folder) { return new LoadOptions(locations, downloader, folder); }
}
