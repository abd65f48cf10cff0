// A download that failed: the server could not be reached (no network, refused, unknown host, timeout), answered
// with an HTTP error, or sent bytes whose checksum is not the official one. The message names the URL; kind()
// tells the three apart, so callers can word their advice (offline vs. a broken mirror).
package ai.lethe.data.source;

import java.io.IOException;
import java.net.URI;

public final class DownloadException extends IOException {
    /** What went wrong. */
    public enum Kind { UNREACHABLE, HTTP_STATUS, CHECKSUM_MISMATCH }

    private final Kind kind;
    private final transient URI uri;

    public DownloadException(Kind kind, URI uri, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.uri = uri;
    }

    public Kind kind() { return kind; }

    /** The URL that failed. */
    public URI uri() { return uri; }
}
