// Shared helpers of the io tests: the committed fixtures of
// tools/reference/io_fixtures.py as paths, raw-bit comparisons of float arrays, and byte-level file builders.
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

final class IoTestSupport {
    private IoTestSupport() {}


    /** A committed fixture under src/test/resources/io/. */
    static Path fixture(String name) {
        URL url = IoTestSupport.class.getResource("/io/" + name);
        if (url == null) throw new IllegalStateException("missing test resource /io/" + name + " (run tools/reference/io_fixtures.py)");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++)
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    what + ": element " + i + " differs in its bits (" + expected[i] + " vs " + actual[i] + ")");
    }

    static void assertBitsEqual(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++)
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(actual[i]),
                    what + ": element " + i + " differs in its bits (" + expected[i] + " vs " + actual[i] + ")");
    }

    /** A safetensors file built by hand: 8-byte length, header text as given (not padded), then data. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, data);
    }

    /** A file whose length field says {@code declaredLength}, followed by {@code header} and {@code data}. */
    static byte[] file(long declaredLength, byte[] header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredLength).array());
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** {@code n} bytes 0, 1, 2, ... */
    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) i;
        return b;
    }
}
