// A small reader of tar archives (gzipped or not, detected by content) that unpacks regular files and folders
// into a destination folder: POSIX ustar and GNU headers, with GNU long names ('L') and pax "path"/"size"
// records ('x'); links and special files are skipped. Each header's checksum is verified, entries that would
// land outside the destination ("../", absolute names) are refused, and a cut-off archive is an error — all
// naming the archive.
package ai.lethe.data.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public final class TarExtractor {
    private static final int BLOCK = 512;

    private TarExtractor() {}

    /** Unpacks {@code archive} into {@code dest} (created if missing); returns the files written, in order. */
    public static List<Path> extract(Path archive, Path dest) throws IOException {
        Path root = dest.toAbsolutePath().normalize();
        Files.createDirectories(root);
        List<Path> written = new ArrayList<>();
        try (InputStream in = DataFiles.open(archive)) {
            String longName = null;
            Long paxSize = null;
            long offset = 0;
            while (true) {
                byte[] h = DataFiles.readUpTo(in, archive, BLOCK);
                if (h.length == 0 || isZero(h)) break;      // end of archive (two zero blocks, or a bare end)
                if (h.length < BLOCK) throw truncated(archive, "a header at byte " + offset);
                verifyChecksum(archive, h, offset);
                offset += BLOCK;
                char type = (char) h[156];
                long size = paxSize != null ? paxSize : size(archive, h, offset - BLOCK);
                String name = longName != null ? longName : name(h);
                longName = null;
                paxSize = null;
                switch (type) {
                    case 'L' -> longName = cString(body(in, archive, size, name));
                    case 'x' -> {
                        String[] pax = pax(body(in, archive, size, name));
                        longName = pax[0];
                        paxSize = pax[1] == null ? null : Long.parseLong(pax[1]);
                    }
                    case '0', '\0', '7' -> {
                        Path target = safeTarget(archive, root, name);
                        Files.createDirectories(target.getParent());
                        try (OutputStream out = Files.newOutputStream(target)) {
                            copy(in, out, archive, size, name);
                        }
                        skipPadding(in, archive, size, name);
                        written.add(target);
                    }
                    case '5' -> {
                        Files.createDirectories(safeTarget(archive, root, name));
                        skip(in, archive, padded(size), name);
                    }
                    default -> skip(in, archive, padded(size), name);   // links, devices, global pax headers
                }
                offset += padded(size);
            }
        }
        return written;
    }

    private static Path safeTarget(Path archive, Path root, String name) throws DatasetFormatException {
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains("\0"))
            throw new DatasetFormatException(archive, "bad entry name '" + name + "' in the tar archive");
        Path target = root.resolve(name).normalize();
        if (!target.startsWith(root) || target.equals(root))
            throw new DatasetFormatException(archive, "tar entry '" + name + "' would be written outside " + root);
        return target;
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        String prefix = ustar ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static long size(Path archive, byte[] h, long offset) throws DatasetFormatException {
        if ((h[124] & 0x80) != 0) {                      // GNU base-256 for sizes of 8 GiB and more
            long v = h[124] & 0x7F;
            for (int i = 125; i < 136; i++) v = v << 8 | (h[i] & 0xFF);
            return v;
        }
        try {
            String s = cString(h, 124, 12).strip();
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new DatasetFormatException(archive, "corrupt tar header at byte " + offset + ": bad size field");
        }
    }

    private static void verifyChecksum(Path archive, byte[] h, long offset) throws DatasetFormatException {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xFF;
        long stored;
        try {
            stored = Long.parseLong(cString(h, 148, 8).strip(), 8);
        } catch (NumberFormatException e) {
            stored = -1;
        }
        if (stored != sum)
            throw new DatasetFormatException(archive, "corrupt tar header at byte " + offset + " (checksum " + stored
                    + " stored, " + sum + " computed): the archive is damaged or not a tar file");
    }

    /** pax extended header records "LEN key=value\n": the path and size, null where absent. */
    private static String[] pax(byte[] body) {
        String[] out = new String[2];
        String s = new String(body, StandardCharsets.UTF_8);
        int i = 0;
        while (i < s.length()) {
            int space = s.indexOf(' ', i);
            if (space < 0) break;
            int len;
            try {
                len = Integer.parseInt(s.substring(i, space));
            } catch (NumberFormatException e) {
                break;
            }
            if (len <= 0 || i + len > s.length()) break;
            String record = s.substring(space + 1, i + len - 1);
            int eq = record.indexOf('=');
            if (eq > 0) {
                String key = record.substring(0, eq), value = record.substring(eq + 1);
                if (key.equals("path")) out[0] = value;
                else if (key.equals("size")) out[1] = value;
            }
            i += len;
        }
        return out;
    }

    private static byte[] body(InputStream in, Path archive, long size, String entry) throws IOException {
        if (size > 1 << 20) throw new DatasetFormatException(archive, "tar metadata entry '" + entry + "' is implausibly large (" + size + " bytes)");
        byte[] b = DataFiles.readUpTo(in, archive, (int) size);
        if (b.length < size) throw truncated(archive, "entry '" + entry + "'");
        skipPadding(in, archive, size, entry);
        return b;
    }

    private static void copy(InputStream in, OutputStream out, Path archive, long size, String entry) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = DataFiles.readInto(in, archive, buf, (int) Math.min(buf.length, left));
            if (n == 0) throw truncated(archive, "entry '" + entry + "' (" + (size - left) + " of " + size + " bytes present)");
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static void skipPadding(InputStream in, Path archive, long size, String entry) throws IOException {
        skip(in, archive, padded(size) - size, entry);
    }

    private static void skip(InputStream in, Path archive, long n, String entry) throws IOException {
        byte[] buf = new byte[(int) Math.min(1 << 16, Math.max(n, 1))];
        long left = n;
        while (left > 0) {
            int r = DataFiles.readInto(in, archive, buf, (int) Math.min(buf.length, left));
            if (r == 0) throw truncated(archive, "entry '" + entry + "'");
            left -= r;
        }
    }

    private static long padded(long size) { return (size + BLOCK - 1) / BLOCK * BLOCK; }

    private static boolean isZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private static String cString(byte[] b) { return cString(b, 0, b.length); }

    private static String cString(byte[] b, int from, int len) {
        int end = from;
        while (end < from + len && b[end] != 0) end++;
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    private static DatasetFormatException truncated(Path archive, String what) {
        return new DatasetFormatException(archive, "truncated tar archive: it ends inside " + what);
    }
}
