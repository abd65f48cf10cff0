// The safetensors writer streams through the file channel: a tensor larger than one chunk (and converted to F16
// across a chunk boundary) round-trips exactly on every backend, and a channel that fails mid-file the way a
// full disk does gives an IOException (no InternalError from a faulting memory mapping), leaving no file behind.
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsStreamingTest {
    @TempDir Path dir;

    @Test void aTensorOfSeveralChunksRoundTripsOnEveryBackend() throws IOException {
        long n = SafetensorsWriter.CHUNK_ELEMENTS * 3 / 2 + 7;
        for (Device d : TestBackends.devices()) {
            try (Scope s = Scope.open()) {
                Tensor big = Tensor.randn(Shape.of(n), new Generator(3)).to(d);
                Tensor strided = Tensor.randn(Shape.of(1200, 1100), new Generator(4)).to(d).transpose(0, 1);
                Path f32 = dir.resolve("big-" + d.type() + ".safetensors"), f16 = dir.resolve("big16-" + d.type() + ".safetensors");
                Safetensors.write(f32, Map.of("big", big, "strided", strided), Map.of());
                Safetensors.write(f16, Map.of("big", big), Map.of(), FloatStorage.F16);
                var back = Safetensors.read(f32, d);
                assertArrayEquals(big.toFloatArray(), back.get("big").toFloatArray(), d + " F32");
                assertArrayEquals(strided.contiguousCopy().toFloatArray(), back.get("strided").toFloatArray(), d + " strided");
                float[] expected = big.toFloatArray(), half = Safetensors.read(f16, d).get("big").toFloatArray();
                for (int i = 0; i < expected.length; i++)
                    assertEquals(HalfFloats.halfToFloat(HalfFloats.floatToHalf(expected[i])), half[i], 0, d + " F16 element " + i);
            }
        }
    }

    /** A channel that takes {@code capacity} bytes, then fails as write(2) does on a full disk. */
    static final class FullDisk implements WritableByteChannel {
        private long left;

        FullDisk(long capacity) { left = capacity; }

        @Override public int write(ByteBuffer src) throws IOException {
            if (left <= 0) throw new IOException("No space left on device");
            int n = (int) Math.min(src.remaining(), left);
            src.position(src.position() + n);
            left -= n;
            return n;
        }

        @Override public boolean isOpen() { return true; }

        @Override public void close() {}
    }

    @Test void aFullDiskIsAnIOException() throws IOException {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.randn(Shape.of(100_000), new Generator(5));
            Map<String, Tensor> tensors = new LinkedHashMap<>(Map.of("t", t));
            Path file = dir.resolve("w.safetensors");
            List<SafetensorsWriter.Planned> plan = SafetensorsWriter.plan(file, tensors, FloatStorage.F32);
            byte[] header = SafetensorsWriter.header(file, plan, Map.of());
            long total = 8 + header.length + plan.getLast().end();
            var e = assertThrows(IOException.class, () -> SafetensorsWriter.writeAll(new FullDisk(total / 2), total, header, plan));
            assertEquals("No space left on device", e.getMessage());
            SafetensorsWriter.writeAll(new FullDisk(total), total, header, plan);   // exactly enough room
            assertFalse(Files.exists(file));
        }
    }
}
