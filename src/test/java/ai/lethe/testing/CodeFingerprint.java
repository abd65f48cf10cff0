// A fingerprint of the code a cached test fixture was made by: the SHA-256 of every file of the main classes'
// location (target/classes, the native library inside it included; or the jar holding them), of named test
// classes, and of any extra facts (data files, the BLAS kernel). A fixture keyed by it is rebuilt whenever any of
// them changes, so it cannot go stale across edits, rebuilds or machines.
package ai.lethe.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

public final class CodeFingerprint {
    private final MessageDigest digest;

    private CodeFingerprint() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static CodeFingerprint start() { return new CodeFingerprint(); }

    /** Every file where {@code anchor}'s class was loaded from (a class folder, walked in path order, or a jar). */
    public CodeFingerprint codeOf(Class<?> anchor) {
        try {
            Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(root)) {
                List<Path> files;
                try (Stream<Path> walk = Files.walk(root)) {
                    files = walk.filter(Files::isRegularFile).sorted().toList();
                }
                for (Path f : files) file(root.relativize(f).toString(), f);
            } else {
                file(root.getFileName().toString(), root);
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes of one class (e.g. the test fixture's own recipe). */
    public CodeFingerprint classFile(Class<?> c) {
        String name = c.getName().replace('.', '/') + ".class";
        try (InputStream in = c.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("no class file " + name);
            return bytes(name, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file's name and content. */
    public CodeFingerprint file(String label, Path file) throws IOException {
        return bytes(label, Files.readAllBytes(file));
    }

    /** A fact that is not a file (a kernel name, a setting). */
    public CodeFingerprint fact(String label, String value) {
        return bytes(label, value.getBytes(StandardCharsets.UTF_8));
    }

    private CodeFingerprint bytes(String label, byte[] content) {
        digest.update(label.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Long.toString(content.length).getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(content);
        return this;
    }

    /** The first {@code chars} hex digits of the digest. */
    public String hex(int chars) { return HexFormat.of().formatHex(digest.digest()).substring(0, chars); }
}
