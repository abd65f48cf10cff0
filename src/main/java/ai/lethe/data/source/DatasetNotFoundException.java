// A named dataset that is on none of the searched folders and could not be downloaded (no network, a server
// error, a checksum mismatch, or downloading turned off). The message says why, where Lethe looked, and exactly
// which files to put where so that the next run finds them without a network.
package ai.lethe.data.source;

import java.io.IOException;

public final class DatasetNotFoundException extends IOException {
    private final String dataset;

    public DatasetNotFoundException(String dataset, String message, Throwable cause) {
        super(message, cause);
        this.dataset = dataset;
    }

    /** The dataset's name, e.g. "cifar10". */
    public String dataset() { return dataset; }
}
