// Downloads from a loopback HTTP server the test starts (never the internet): a verified archive lands in the
// data folder and the next load reads it without a request; a wrong checksum leaves nothing behind (no data, no
// temporary files); a refused connection says exactly where to put which files; an HTTP error is reported.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloaderTest {
    @TempDir Path dir;
    HttpServer server;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    final AtomicInteger requests = new AtomicInteger();

    @BeforeEach void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = served.get(exchange.getRequestURI().getPath());
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach void stopServer() { server.stop(0); }

    URI base() { return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"); }

    Downloader downloader(Progress progress) { return new Downloader(Downloader.defaultClient(), base(), progress); }

    static String md5(byte[] b) throws Exception { return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b)); }

    /** A tar.gz laid out like the official CIFAR-10 binary archive, with a few records per batch. */
    static byte[] cifar10Archive(Path scratch) throws Exception {
        TestFiles.cifar10Folder(scratch, Cifar10FormatTest.BATCHES, new int[] {3, 5}, true);
        var e = TestFiles.entries();
        e.put("cifar-10-batches-bin/", null);
        try (Stream<Path> files = Files.list(scratch.resolve("cifar-10-batches-bin"))) {
            for (Path f : files.sorted().toList()) e.put("cifar-10-batches-bin/" + f.getFileName(), Files.readAllBytes(f));
        }
        return TestFiles.gzip(TestFiles.tar(e));
    }

    LoadOptions options(Path root, Downloader downloader) {
        return new LoadOptions(new DataLocations(root), downloader, ImageFolderOptions.defaults());
    }

    static List<Path> everything(Path root) throws IOException {
        if (!Files.exists(root)) return List.of();
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).toList();
        }
    }

    @Test void verifiedArchiveLandsInPlaceAndIsNotDownloadedAgain() throws Exception {
        byte[] archive = cifar10Archive(dir.resolve("scratch"));
        served.put("/cifar10/cifar-10-binary.tar.gz", archive);
        var source = new DownloadSource("cifar10", List.of(URI.create("https://example.invalid/")),
                List.of(new RemoteFile("cifar-10-binary.tar.gz", Checksum.md5(md5(archive)), true)));
        Path root = dir.resolve("data");
        var options = options(root, downloader(Progress.auto()));   // no console under tests: log lines

        var tt = Datasets.loadKnown(KnownDataset.CIFAR10, options, source);
        assertEquals(1, requests.get());
        assertEquals(9, tt.train().size());
        assertEquals("j", tt.train().classNames().get(9));              // from the archive's batches.meta.txt
        assertEquals(TestFiles.pixel(1000, 1, 2, 3) / 255f, tt.test().image(0).get(1, 2, 3));
        Path batches = root.resolve("cifar10/cifar-10-batches-bin");
        assertTrue(Files.isRegularFile(batches.resolve("data_batch_5.bin")));
        assertTrue(Files.isRegularFile(batches.resolve("test_batch.bin")));
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of(root.resolve("cifar10")), s.toList(), "only the dataset folder: no staging left");
        }
        assertFalse(Files.exists(root.resolve("cifar10/cifar-10-binary.tar.gz")), "the archive is not kept");

        var again = Datasets.loadKnown(KnownDataset.CIFAR10, options, source);
        assertEquals(1, requests.get(), "the second load reads the folder");
        assertEquals(9, again.train().size());
    }

    @Test void severalPlainFilesAreKeptAsTheyCome() throws Exception {
        Path scratch = TestFiles.mnistFolder(dir.resolve("scratch"), true, new int[] {4, 2, 9}, new int[] {1});
        var files = new java.util.ArrayList<RemoteFile>();
        for (String name : MnistFormat.FILES) {
            byte[] b = Files.readAllBytes(scratch.resolve(name));
            served.put("/mnist/" + name, b);
            files.add(new RemoteFile(name, Checksum.md5(md5(b)), false));
        }
        var source = new DownloadSource("mnist", List.of(URI.create("https://example.invalid/")), files);
        Path root = dir.resolve("data");
        var tt = Datasets.loadKnown(KnownDataset.MNIST, options(root, downloader(Progress.silent())), source);
        assertEquals(4, requests.get());
        assertEquals(9, tt.train().label(2));
        for (String name : MnistFormat.FILES) assertTrue(Files.isRegularFile(root.resolve("mnist").resolve(name)));
    }

    @Test void wrongChecksumLeavesNothingBehind() throws Exception {
        byte[] archive = cifar10Archive(dir.resolve("scratch"));
        served.put("/cifar10/cifar-10-binary.tar.gz", archive);
        var source = new DownloadSource("cifar10", List.of(URI.create("https://example.invalid/")),
                List.of(new RemoteFile("cifar-10-binary.tar.gz", Checksum.md5("00000000000000000000000000000000"), true)));
        Path root = dir.resolve("data");
        var e = assertThrows(DatasetNotFoundException.class,
                () -> Datasets.loadKnown(KnownDataset.CIFAR10, options(root, downloader(Progress.silent())), source));
        var cause = assertInstanceOf(DownloadException.class, e.getCause());
        assertEquals(DownloadException.Kind.CHECKSUM_MISMATCH, cause.kind());
        assertTrue(e.getMessage().contains("checksum mismatch") && e.getMessage().contains("MD5 " + md5(archive)), e.getMessage());
        assertEquals(List.of(), everything(root), "no data and no temporary files in the data folder");
    }

    @Test void aLaterFileWithAWrongChecksumRemovesTheEarlierOnes() throws Exception {
        Path scratch = TestFiles.mnistFolder(dir.resolve("scratch"), true, new int[] {4}, new int[] {1});
        var files = new java.util.ArrayList<RemoteFile>();
        for (String name : MnistFormat.FILES) {
            byte[] b = Files.readAllBytes(scratch.resolve(name));
            served.put("/mnist/" + name, b);
            files.add(new RemoteFile(name, Checksum.md5(name.startsWith("t10k-labels") ? "0".repeat(32) : md5(b)), false));
        }
        var source = new DownloadSource("mnist", List.of(URI.create("https://example.invalid/")), files);
        Path root = dir.resolve("data");
        assertThrows(DatasetNotFoundException.class,
                () -> Datasets.loadKnown(KnownDataset.MNIST, options(root, downloader(Progress.silent())), source));
        assertEquals(4, requests.get());
        assertEquals(List.of(), everything(root));
    }

    @Test void refusedConnectionSaysWhereToPutTheFiles() throws Exception {
        int port;
        try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        var offline = new Downloader(Downloader.defaultClient(), URI.create("http://127.0.0.1:" + port), Progress.silent());
        Path root = dir.resolve("data");
        var e = assertThrows(DatasetNotFoundException.class, () -> Datasets.load("fashion-mnist", options(root, offline)));
        String m = e.getMessage();
        assertEquals("fashion-mnist", e.dataset());
        assertTrue(m.contains("connection refused"), m);
        assertTrue(m.contains("Looked in: " + root.resolve("fashion-mnist")), m);
        for (String f : MnistFormat.FILES) assertTrue(m.contains(f), m);
        assertTrue(m.contains("in " + root.resolve("fashion-mnist")), m);
        assertTrue(m.contains("apt-get install dataset-fashion-mnist"), m);
        assertEquals(DownloadException.Kind.UNREACHABLE, ((DownloadException) e.getCause()).kind());
        assertEquals(List.of(), everything(root));

        var cifar = assertThrows(DatasetNotFoundException.class, () -> Datasets.load("cifar20", options(root, offline)));
        assertTrue(cifar.getMessage().contains("tar -xzf cifar-100-binary.tar.gz -C " + root.resolve("cifar100")), cifar.getMessage());
        assertTrue(cifar.getMessage().contains("train.bin, test.bin"), cifar.getMessage());
    }

    @Test void httpErrorIsReported() throws Exception {
        Path root = dir.resolve("data");
        var e = assertThrows(DatasetNotFoundException.class,
                () -> Datasets.load("cifar10", options(root, downloader(Progress.silent()))));
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertTrue(e.getMessage().contains("/cifar10/cifar-10-binary.tar.gz"), e.getMessage());
        assertEquals(List.of(), everything(root));
    }

    @Test void theOfficialSourcesAreWellFormed() {
        for (KnownDataset d : KnownDataset.values()) {
            var s = d.source();
            assertEquals(d.folder(), s.folder());
            for (URI m : s.mirrors()) assertTrue(m.getScheme().startsWith("http"), m.toString());
            for (RemoteFile f : s.files()) assertEquals("MD5", f.checksum().algorithm());
        }
        assertEquals("c32a1d4ab5d03f1284b67883e8d87530", KnownDataset.CIFAR10.source().files().getFirst().checksum().hex());
        assertEquals("03b5dce01913d631647c71ecec9e9cb8", KnownDataset.CIFAR20.source().files().getFirst().checksum().hex());
        assertEquals(URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
                DownloadSource.url(KnownDataset.CIFAR10.source().mirrors().getFirst(), KnownDataset.CIFAR10.source().files().getFirst()));
    }
}
