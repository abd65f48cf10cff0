// The expected digest of a downloaded file: an algorithm MessageDigest knows ("MD5", "SHA-256") and the hex
// value. The datasets' publishers give MD5s, so those are what Lethe checks; MD5 detects damaged and truncated
// transfers, which is its job here.
package ai.lethe.data.source;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

public record Checksum(String algorithm, String hex) {
    public Checksum {
        hex = hex.toLowerCase(Locale.ROOT);
        try {
            int bytes = MessageDigest.getInstance(algorithm).getDigestLength();
            if (hex.length() != 2 * bytes || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0))
                throw new IllegalArgumentException(algorithm + " checksum must be " + 2 * bytes + " hex digits, got '" + hex + "'");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unknown checksum algorithm " + algorithm, e);
        }
    }

    public static Checksum md5(String hex) { return new Checksum("MD5", hex); }

    public static Checksum sha256(String hex) { return new Checksum("SHA-256", hex); }

    /** A fresh digest of this checksum's algorithm. */
    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code digest} (a finished digest's bytes) is this checksum. */
    public boolean matches(byte[] digest) { return HexFormat.of().formatHex(digest).equals(hex); }

    @Override public String toString() { return algorithm + " " + hex; }
}
