// Where a dataset's official files are: base URLs tried in order (mirrors, each ending in "/"), the files, and
// the dataset folder they go to. The official sources of the named datasets are in KnownDataset.
package ai.lethe.data.source;

import java.net.URI;
import java.util.List;

public record DownloadSource(String folder, List<URI> mirrors, List<RemoteFile> files) {
    public DownloadSource {
        mirrors = List.copyOf(mirrors);
        files = List.copyOf(files);
        if (mirrors.isEmpty() || files.isEmpty()) throw new IllegalArgumentException(folder + ": a download needs a mirror and a file");
        for (URI m : mirrors)
            if (!m.toString().endsWith("/")) throw new IllegalArgumentException("mirror URL must end in '/': " + m);
    }

    /** The URL of {@code file} on {@code mirror}. */
    public static URI url(URI mirror, RemoteFile file) { return URI.create(mirror + file.name()); }
}
