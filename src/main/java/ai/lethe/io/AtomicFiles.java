// Atomic replacement of files and folders for io's checkpoints and the layers above: write into a fresh temporary
// sibling, force it to disk, then rename it over the target (the mechanism is ai.lethe.core.AtomicFile, shared with
// the lower layers; this class keeps io's entry points and its WriteHook test seam). On any failure the temporary
// is deleted and the target is untouched.
package ai.lethe.io;

import ai.lethe.core.AtomicFile;
import java.io.IOException;
import java.nio.file.Path;

public final class AtomicFiles {
    private AtomicFiles() {}

    /** Replaces {@code target} with {@code content} atomically (a reader sees the old or the new file, never a part). */
    public static void write(Path target, byte[] content) throws IOException {
        AtomicFile.write(target, content);
    }

    /** Writes a file's content into an open channel. */
    interface ChannelWriter extends AtomicFile.ChannelWriter {}

    /**
     * Replaces {@code target} with what {@code body} writes: into a temporary sibling, forced to disk, then
     * renamed over the target (ATOMIC_MOVE, REPLACE_EXISTING); {@code hook} is called at "before-move".
     */
    static void replaceFile(Path target, ChannelWriter body, WriteHook hook) throws IOException {
        AtomicFile.replace(target, body, () -> hook.reached("before-move"));
    }

    /** Renames {@code from} to {@code to} atomically, replacing a file {@code to}. */
    static void move(Path from, Path to) throws IOException { AtomicFile.move(from, to); }

    /** A new empty file (or folder) next to {@code target} named ".<target name>.<kind>-<random hex>". */
    static Path createSibling(Path target, String kind, boolean directory) throws IOException {
        return AtomicFile.createSibling(target, kind, directory);
    }

    static Path parentOf(Path target) { return AtomicFile.parentOf(target); }

    /** Forces a folder's entries (a rename) to disk where the platform allows; best effort. */
    static void syncDirectory(Path dir) { AtomicFile.syncDirectory(dir); }

    /** Deletes a file or folder tree (symbolic links are removed, not followed). */
    static void deleteRecursively(Path p) throws IOException { AtomicFile.deleteRecursively(p); }

    /** Deletes {@code p} after a failure, recording any problem on {@code failure} instead of hiding it. */
    static void deleteQuietly(Path p, Throwable failure) { AtomicFile.deleteQuietly(p, failure); }

    /** Deletes {@code root} and everything below it (nothing when it does not exist). */
    public static void deleteTree(java.nio.file.Path root) throws java.io.IOException {
        if (!java.nio.file.Files.exists(root)) return;
        try (var paths = java.nio.file.Files.walk(root)) {
            for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
        }
    }
}
