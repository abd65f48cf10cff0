// Malformed files, built byte by byte: each is rejected by Safetensors.open — before any tensor is made — with a
// SafetensorsException whose message names the file, the tensor where there is one, and the problem.
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsValidationTest {
    @TempDir Path dir;

    private static final String A8 = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    /** Writes {@code content} as bad.safetensors and checks open() rejects it with every phrase in the message. */
    private SafetensorsException rejected(byte[] content, String tensor, String... phrases) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, content);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.open(file).close());
        String msg = e.getMessage();
        assertTrue(msg.startsWith(file + ": "), "names the file first: " + msg);
        assertEquals(file, e.file());
        assertEquals(tensor, e.tensorName(), msg);
        if (tensor != null) assertTrue(msg.contains("tensor '" + tensor + "'"), msg);
        for (String p : phrases) assertTrue(msg.contains(p), "'" + p + "' in: " + msg);
        return e;
    }

    private SafetensorsException rejected(String header, int dataBytes, String tensor, String... phrases) throws IOException {
        return rejected(IoTestSupport.file(header, IoTestSupport.bytes(dataBytes)), tensor, phrases);
    }

    @Test void fileShorterThanTheLengthField() throws IOException {
        rejected(new byte[] {1, 0, 0, 0, 0}, null, "5 bytes", "shorter than the 8-byte header length");
        rejected(new byte[0], null, "0 bytes");
    }

    @Test void headerLengthLargerThanTheFile() throws IOException {
        byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
        rejected(IoTestSupport.file(1000, h, new byte[0]), null, "header length 1000 is larger than the file allows (2 bytes");
        rejected(IoTestSupport.file(-1, h, new byte[0]), null, "header length 18446744073709551615 is larger");
    }

    @Test void dataShorterThanAnOffsetIsATruncatedFile() throws IOException {
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 10, "w",
                "data_offsets [0, 16] reach past the end of the data section (10 bytes)", "truncated");
    }

    @Test void offsetsOutOfRange() throws IOException {
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8, "w", "begin is after end");
        rejected("{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[100,102]}}", 8, "w", "reach past the end");
        rejected("{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2,4]}}", 2, "w", "must be exactly [begin, end]");
        rejected("{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[-2,0]}}", 2, "w", "data_offsets [-2,0]", "negative");
    }

    @Test void overlappingTensors() throws IOException {
        rejected("{" + A8 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "b",
                "data_offsets [4, 12] overlap tensor 'a' at [0, 8]");
        rejected("{" + A8 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "b", "overlap tensor 'a'");
    }

    @Test void aHoleBetweenTensors() throws IOException {
        rejected("{" + A8 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20, "b",
                "leave a hole: bytes [8, 12)", "'a', ends at 8");
        rejected("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "b", "bytes [0, 4) of the data section belong to no tensor");
    }

    @Test void bytesAfterTheLastTensor() throws IOException {
        rejected("{" + A8 + "}", 12, null, "the data section is 12 bytes but the tensors cover only [0, 8): 4 trailing bytes");
    }

    @Test void unknownDtype() throws IOException {
        rejected("{\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, "q",
                "unknown or unsupported dtype 'F8_E4M3'", "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
        rejected("{\"q\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "q", "dtype 'f32'");
        rejected("{\"q\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "q", "dtype is a JSON number, not a string");
    }

    @Test void shapeAndByteCountDisagree() throws IOException {
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "w",
                "data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 3 × 4 = 12");
        rejected("{\"w\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, "w", "shape [] of BF16 needs 1 × 2 = 2");
    }

    @Test void negativeOrNonIntegerShape() throws IOException {
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0, "w", "shape [-1]: element 0 (-1) is negative");
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, "w", "shape [2.0]: element 0 (2.0) is not an integer");
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8, "w", "element 0 (\"2\") is not an integer");
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,8]}}", 8, "w", "element 0 (null) is not an integer");
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, "w", "shape is a JSON number, not an array");
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8, "w", "out of range");
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, "w", "more elements than a file can hold");
    }

    @Test void headerThatIsNotUtf8() throws IOException {
        byte[] h = {'{', '"', 'a', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        rejected(IoTestSupport.file(h.length, h, new byte[0]), null, "the header is not valid UTF-8", "header byte 3");
    }

    @Test void headerThatIsNotJson() throws IOException {
        rejected("{\"a\": oops}", 0, null, "the header is not valid JSON", "line 1, column");
        rejected("{} trailing", 0, null, "the header is not valid JSON");
        rejected("{" + A8 + "," + A8 + "}", 8, null, "the header is not valid JSON", "Duplicate field 'a'");
        rejected("", 0, null, "the header is empty");
    }

    @Test void headerThatIsNotAnObject() throws IOException {
        rejected("[1, 2]     ", 0, null, "the header is a JSON array, not an object");
        rejected("\"text\"", 0, null, "the header is a JSON string, not an object");
        rejected("{\"w\":[1,2]}", 0, "w", "the entry is a JSON array");
    }

    @Test void entryWithMissingOrUnknownFields() throws IOException {
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 0, "w", "the entry has no 'data_offsets'");
        rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", 8, "w", "unknown field 'extra'");
    }

    @Test void metadataThatIsNotStringsToStrings() throws IOException {
        rejected("{\"__metadata__\":{\"epoch\":3}}", 0, null, "value of 'epoch' is a JSON number; metadata must map strings to strings");
        rejected("{\"__metadata__\":[\"a\"]}", 0, null, "\"__metadata__\" is a JSON array");
        rejected("{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}", 0, null, "value of 'a' is a JSON object");
    }

    @Test void metadataNullAndTrailingSpacesAreAccepted() throws IOException {
        Path file = dir.resolve("ok.safetensors");
        Files.write(file, IoTestSupport.file("{\"__metadata__\":null," + A8 + "}   ", IoTestSupport.bytes(8)));
        try (SafetensorsFile f = Safetensors.open(file)) {
            assertEquals(java.util.List.of("a"), f.names());
            assertTrue(f.metadata().isEmpty());
        }
    }

    @Test void lookingUpAMissingTensorNamesTheFileAndTheName() throws IOException {
        Path file = dir.resolve("ok.safetensors");
        Files.write(file, IoTestSupport.file("{" + A8 + "}", IoTestSupport.bytes(8)));
        try (SafetensorsFile f = Safetensors.open(file)) {
            var e = assertThrows(IllegalArgumentException.class, () -> f.tensor("missing", ai.lethe.core.Device.REF));
            assertTrue(e.getMessage().startsWith(file + ": no tensor named 'missing'"), e.getMessage());
            assertTrue(e.getMessage().contains("1 tensor: a"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> f.info("missing"));
            assertThrows(IllegalArgumentException.class, () -> f.data("missing"));
        }
    }

    @Test void aMissingFileIsAnIoExceptionNamingIt() {
        Path file = dir.resolve("absent.safetensors");
        var e = assertThrows(java.nio.file.NoSuchFileException.class, () -> Safetensors.open(file));
        assertTrue(e.getMessage().contains("absent.safetensors"), e.getMessage());
    }
}
