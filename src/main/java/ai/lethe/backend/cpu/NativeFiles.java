// Native libraries that are class-path resources, made into files dlopen can load: a resource in a folder
// (file: URL, e.g. target/classes during tests) is used in place; one inside a jar is copied once into the
// per-user cache ($XDG_CACHE_HOME/lethe/native, else ~/.cache/lethe/native, else the temporary folder), into a
// sub-folder named by its content, through a temporary file renamed atomically, so that concurrent JVMs never
// see a partial file and a changed library never reuses an old copy.
package ai.lethe.backend.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.jar.JarEntry;

/** Public for the CUDA emulator's library (ai.lethe.backend.cuda), which is loaded the same way. */
public final class NativeFiles {
    private NativeFiles() {}

    /** The resource as a local file: in place for a file: URL, else null (the caller extracts it). */
    public static Path inPlace(URL url) throws URISyntaxException {
        return url.getProtocol().equals("file") ? Path.of(url.toURI()) : null;
    }

    /** The folder of extracted libraries, created if needed: the user's cache, else the temporary folder. */
    public static Path cacheRoot() throws IOException {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path home = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        Path root = home.resolve("lethe").resolve("native");
        try {
            Files.createDirectories(root);
            if (Files.isWritable(root)) return root;
        } catch (IOException e) {
            // fall through to the temporary folder
        }
        root = Path.of(System.getProperty("java.io.tmpdir"), "lethe-native-" + System.getProperty("user.name", "user"));
        Files.createDirectories(root);
        return root;
    }

    /**
     * A short identity of a resource's content: for an entry of a jar its CRC-32 and size from the jar's
     * directory (nothing is decompressed), else the SHA-256 of its bytes.
     */
    public static String contentKey(URL url) throws IOException {
        URLConnection c = url.openConnection();
        if (c instanceof JarURLConnection jar) {
            JarEntry e = jar.getJarEntry();
            if (e != null && e.getCrc() >= 0 && e.getSize() >= 0)
                return String.format("%08x-%d", e.getCrc(), e.getSize());
        }
        try (InputStream in = url.openStream()) {
            return sha256(in.readAllBytes()).substring(0, 24);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Copies the resource to {@code dir/name} unless a file of the same size is there already. */
    public static Path extract(URL url, Path dir, String name) throws IOException {
        Path target = dir.resolve(name);
        long size = -1;
        if (url.openConnection() instanceof JarURLConnection jar && jar.getJarEntry() != null) size = jar.getJarEntry().getSize();
        if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) return target;
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, name, ".part");
        try {
            try (InputStream in = url.openStream()) {
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            if (size < 0 && Files.isRegularFile(target) && Files.mismatch(temp, target) == -1) return target;
            moveAtomically(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
        return target;
    }

    private static void moveAtomically(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
