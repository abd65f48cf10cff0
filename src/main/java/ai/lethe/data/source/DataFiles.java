// Reading dataset files: open one as a stream that is gunzipped when its first bytes are the gzip magic (1f 8b),
// whatever its name; read an exact number of bytes or fail naming the file ("truncated"); count what is left
// after the expected end. Gzip errors (a cut-off or corrupt stream) become DatasetFormatExceptions too.
package ai.lethe.data.source;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

final class DataFiles {
    private static final int BUFFER = 1 << 16;

    private DataFiles() {}

    /** Whether {@code file} starts with the gzip magic bytes. */
    static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** Opens {@code file} for reading, gunzipping it when its content is gzip. */
    static InputStream open(Path file) throws IOException {
        var in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            in.mark(2);
            boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
            in.reset();
            return gzip ? new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER) : in;
        } catch (ZipException | EOFException e) {
            in.close();
            throw new DatasetFormatException(file, "corrupt gzip header (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Reads exactly {@code n} bytes of {@code what}; fewer is a "truncated" error naming the file. */
    static byte[] readExactly(InputStream in, Path file, int n, String what) throws IOException {
        byte[] b = readUpTo(in, file, n);
        if (b.length < n)
            throw new DatasetFormatException(file, "truncated: " + what + " needs " + n + " bytes, the file has only "
                    + b.length);
        return b;
    }

    /** Reads up to {@code n} bytes (fewer only at the end of the data), turning gzip errors into format errors. */
    static byte[] readUpTo(InputStream in, Path file, int n) throws IOException {
        try {
            return in.readNBytes(n);
        } catch (EOFException e) {
            throw new DatasetFormatException(file, "truncated gzip data (" + e.getMessage() + ")", e);
        } catch (ZipException e) {
            throw new DatasetFormatException(file, "corrupt gzip data (" + e.getMessage() + ")", e);
        }
    }

    /** Reads up to {@code len} bytes into {@code buf} (fewer only at the end), turning gzip errors into format errors. */
    static int readInto(InputStream in, Path file, byte[] buf, int len) throws IOException {
        try {
            return in.readNBytes(buf, 0, len);
        } catch (EOFException e) {
            throw new DatasetFormatException(file, "truncated gzip data (" + e.getMessage() + ")", e);
        } catch (ZipException e) {
            throw new DatasetFormatException(file, "corrupt gzip data (" + e.getMessage() + ")", e);
        }
    }

    /** Counts the bytes left in {@code in} (0 when it ends where expected). */
    static long remaining(InputStream in, Path file) throws IOException {
        try {
            return in.transferTo(OutputStream.nullOutputStream());
        } catch (EOFException e) {
            throw new DatasetFormatException(file, "truncated gzip data (" + e.getMessage() + ")", e);
        } catch (ZipException e) {
            throw new DatasetFormatException(file, "corrupt gzip data (" + e.getMessage() + ")", e);
        }
    }

    /** Big-endian 32-bit integer at {@code offset}. */
    static int int32(byte[] b, int offset) {
        return (b[offset] & 0xFF) << 24 | (b[offset + 1] & 0xFF) << 16 | (b[offset + 2] & 0xFF) << 8 | b[offset + 3] & 0xFF;
    }
}
