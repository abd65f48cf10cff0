// The tar reader: a gzipped ustar archive unpacks its folders and files byte for byte (also a long name given in
// a pax header); entries escaping the destination, damaged headers and cut-off archives fail naming the archive.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarExtractorTest {
    @TempDir Path dir;

    @Test void unpacksFoldersAndFiles() throws Exception {
        var e = TestFiles.entries();
        e.put("top/", null);
        e.put("top/a.bin", new byte[] {1, 2, 3});
        e.put("top/sub/b.txt", "hello".getBytes());
        byte[] big = new byte[5000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 7);
        e.put("top/big.bin", big);
        e.put("top/empty", new byte[0]);
        Path archive = TestFiles.write(dir.resolve("a.tar.gz"), TestFiles.gzip(TestFiles.tar(e)));
        Path out = dir.resolve("out");
        var written = TarExtractor.extract(archive, out);
        assertEquals(4, written.size());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(out.resolve("top/a.bin")));
        assertEquals("hello", Files.readString(out.resolve("top/sub/b.txt")));
        assertArrayEquals(big, Files.readAllBytes(out.resolve("top/big.bin")));
        assertEquals(0, Files.size(out.resolve("top/empty")));
    }

    @Test void plainTarAndPaxLongName() throws Exception {
        String longName = "d/" + "x".repeat(150) + ".bin";
        String record = " path=" + longName + "\n";
        int len = record.length() + 3;                                  // "NNN" + record
        byte[] pax = (len + record).getBytes(StandardCharsets.UTF_8);
        var out = new ByteArrayOutputStream();
        out.writeBytes(TestFiles.header("PaxHeader", pax.length, 'x'));
        out.writeBytes(Arrays.copyOf(pax, 512));
        out.writeBytes(TestFiles.header("truncated-name", 2, '0'));
        out.writeBytes(Arrays.copyOf(new byte[] {9, 8}, 512));
        out.writeBytes(new byte[1024]);
        Path archive = TestFiles.write(dir.resolve("a.tar"), out.toByteArray());
        TarExtractor.extract(archive, dir.resolve("o"));
        assertArrayEquals(new byte[] {9, 8}, Files.readAllBytes(dir.resolve("o").resolve(longName)));
    }

    @Test void refusesEntriesOutsideTheDestination() throws Exception {
        var e = TestFiles.entries();
        e.put("ok.txt", new byte[] {1});
        e.put("../evil.txt", new byte[] {2});
        Path archive = TestFiles.write(dir.resolve("evil.tar.gz"), TestFiles.gzip(TestFiles.tar(e)));
        var ex = assertThrows(DatasetFormatException.class, () -> TarExtractor.extract(archive, dir.resolve("out")));
        assertEquals(archive, ex.file());
        assertTrue(ex.problem().contains("'../evil.txt' would be written outside"), ex.getMessage());
        assertFalse(Files.exists(dir.resolve("evil.txt")));
    }

    @Test void damagedHeader() throws Exception {
        var e = TestFiles.entries();
        e.put("a.txt", "abc".getBytes());
        byte[] tar = TestFiles.tar(e);
        tar[10] ^= 0x20;                                                   // a changed name byte: checksum fails
        Path archive = TestFiles.write(dir.resolve("bad.tar"), tar);
        var ex = assertThrows(DatasetFormatException.class, () -> TarExtractor.extract(archive, dir.resolve("out")));
        assertTrue(ex.problem().contains("corrupt tar header at byte 0"), ex.getMessage());
    }

    @Test void truncatedArchive() throws Exception {
        var e = TestFiles.entries();
        e.put("a.bin", new byte[3000]);
        byte[] tar = TestFiles.tar(e);
        Path archive = TestFiles.write(dir.resolve("cut.tar.gz"), TestFiles.gzip(Arrays.copyOf(tar, 1500)));
        var ex = assertThrows(DatasetFormatException.class, () -> TarExtractor.extract(archive, dir.resolve("out")));
        assertEquals(archive, ex.file());
        assertTrue(ex.problem().contains("truncated tar archive") && ex.problem().contains("a.bin"), ex.getMessage());
    }
}
