// A safetensors file that breaks the format: too short, a bad header length, a header that is not UTF-8 JSON of
// the right shape, an unknown dtype, offsets that do not tile the data section, metadata that is not strings, or
// (for Lethe's own files) Lethe metadata that is missing or malformed. It is an IOException, like
// java.util.zip.ZipException: the bytes on disk are wrong, not the caller's arguments. The message always names
// the file, then the tensor where there is one, then the problem; the parts are also available separately.
package ai.lethe.io;

import java.io.IOException;
import java.nio.file.Path;

public final class SafetensorsException extends IOException {
    private final transient Path file;
    private final String tensorName;
    private final String problem;

    public SafetensorsException(Path file, String tensorName, String problem) {
        super(file + ": " + (tensorName == null ? "" : "tensor '" + tensorName + "': ") + problem);
        this.file = file;
        this.tensorName = tensorName;
        this.problem = problem;
    }

    public SafetensorsException(Path file, String problem) { this(file, null, problem); }

    /** The file that is malformed. */
    public Path file() { return file; }

    /** The tensor whose header entry is wrong, or null when the problem is not about one tensor. */
    public String tensorName() { return tensorName; }

    /** The problem alone, without the file and tensor names. */
    public String problem() { return problem; }
}
