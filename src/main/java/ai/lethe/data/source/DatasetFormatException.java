// A dataset file that breaks its format: truncated, a wrong magic number, a label out of range, image and label
// counts that differ, a record length that does not divide the file, an image that cannot be decoded or differs
// in size. Like SafetensorsException it is an IOException (the bytes on disk are wrong, not the caller's
// arguments); the message names the file first, then the problem, and both are available separately.
package ai.lethe.data.source;

import java.io.IOException;
import java.nio.file.Path;

public final class DatasetFormatException extends IOException {
    private final transient Path file;
    private final String problem;

    public DatasetFormatException(Path file, String problem) { this(file, problem, null); }

    public DatasetFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** The file that is malformed. */
    public Path file() { return file; }

    /** The problem alone, without the file name. */
    public String problem() { return problem; }
}
