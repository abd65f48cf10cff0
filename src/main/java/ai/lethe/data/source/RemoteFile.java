// One file of a dataset's official distribution: its name (the last part of its URL), its checksum, and whether
// it is a .tar.gz archive to unpack (CIFAR) or a file to keep as it is (the gzipped IDX files of MNIST).
package ai.lethe.data.source;

public record RemoteFile(String name, Checksum checksum, boolean unpack) {
    public RemoteFile {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith("."))
            throw new IllegalArgumentException("a remote file name must be a plain file name, got '" + name + "'");
    }
}
