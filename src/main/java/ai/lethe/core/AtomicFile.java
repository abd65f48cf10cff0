// The bottom layer's atomic file replacement, shared by every package that writes records (data's poison and
// split records here; ai.lethe.io.AtomicFiles builds checkpoints and reports on it): write into a fresh temporary
// sibling (same folder, so the final rename never crosses a file system), force it to disk, then rename it over
// the target; on any failure the temporary is deleted and the target is untouched. Temporary names are hidden
// (".<name>.<kind>-<random hex>") and made with Files.createFile/createDirectory, so they get the usual
// permissions (not createTempFile's 0600). Only java.nio: the lowest packages may use it.
package ai.lethe.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

public final class AtomicFile {
    private AtomicFile() {}

    /** Writes a file's content into an open channel. */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    /** A step that may fail with an IOException (the point just before the rename, for tests that abort there). */
    @FunctionalInterface
    public interface Step {
        void run() throws IOException;
    }

    /** Replaces {@code target} with {@code content} atomically (a reader sees the old or the new file, never a part). */
    public static void write(Path target, byte[] content) throws IOException {
        replace(target, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) ch.write(buf);
        }, () -> {});
    }

    /**
     * Replaces {@code target} with what {@code body} writes: into a temporary sibling, forced to disk, then
     * renamed over the target (ATOMIC_MOVE, REPLACE_EXISTING); {@code beforeMove} runs just before the rename.
     */
    public static void replace(Path target, ChannelWriter body, Step beforeMove) throws IOException {
        Path dir = parentOf(target);
        Path tmp = createSibling(target, "tmp", false);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                body.write(ch);
                ch.force(true);
            }
            beforeMove.run();
            move(tmp, target);
            syncDirectory(dir);
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(tmp, e);
            throw e;
        }
    }

    /** Renames {@code from} to {@code to} atomically, replacing a file {@code to}. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically (" + e.getReason()
                    + "); write to a folder on a file system that supports renames", e);
        }
    }

    /**
     * Creates a new empty file (or folder) next to {@code target} named ".<target name>.<kind>-<random hex>";
     * never one that exists.
     */
    public static Path createSibling(Path target, String kind, boolean directory) throws IOException {
        Path dir = parentOf(target);
        String base = "." + target.getFileName() + "." + kind + "-";
        for (int attempt = 0; ; attempt++) {
            byte[] r = new byte[6];
            ThreadLocalRandom.current().nextBytes(r);
            Path p = dir.resolve(base + HexFormat.of().formatHex(r));
            try {
                return directory ? Files.createDirectory(p) : Files.createFile(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    /** The absolute parent folder of {@code target}; an IllegalArgumentException when it has none. */
    public static Path parentOf(Path target) {
        Path abs = target.toAbsolutePath();
        Path parent = abs.getParent();
        if (parent == null || target.getFileName() == null) throw new IllegalArgumentException("cannot write to " + target + ": it has no parent folder");
        return parent;
    }

    /** Forces a folder's entries (a rename) to disk where the platform allows; best effort. */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some platforms cannot open or sync a folder; the rename itself is still atomic
        }
    }

    /** Deletes a file or folder tree (symbolic links are removed, not followed). */
    public static void deleteRecursively(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(p)) {
                for (Path c : (Iterable<Path>) children::iterator) deleteRecursively(c);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        try {
            Files.delete(p);
        } catch (NoSuchFileException e) {
            // already gone
        } catch (DirectoryNotEmptyException e) {
            throw new IOException("cannot delete " + p + ": something wrote into it while it was being deleted", e);
        }
    }

    /** Deletes {@code p} after a failure, recording any problem on {@code failure} instead of hiding it. */
    public static void deleteQuietly(Path p, Throwable failure) {
        try {
            deleteRecursively(p);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
