// Downloads a dataset's official files into its data folder with java.net.http. Everything is fetched into a
// hidden staging folder next to the target (".NAME.download-RANDOM"), each file's digest computed while it
// streams; a file whose checksum is not the official one is deleted with the whole staging folder, so nothing is
// left behind. Archives are unpacked inside the staging folder; only when every file has arrived and checked
// out is the content moved into place. Mirrors are tried in order when one cannot be reached or answers with an
// error; a checksum mismatch stops at once. Tests pass a loopback base URL instead of the official mirrors.
package ai.lethe.data.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

public final class Downloader {
    /** The environment variable that replaces the official mirrors with one base URL (see {@link #Downloader(HttpClient, URI, Progress)}). */
    public static final String MIRROR_ENV = "LETHE_DATA_MIRROR";

    private static final System.Logger LOG = System.getLogger("ai.lethe.data");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20), RESPONSE_TIMEOUT = Duration.ofSeconds(60);

    private HttpClient client;          // made on first use when not given: an idle Downloader costs nothing
    private final URI base;
    private final Progress progress;

    /**
     * Downloads with {@code client}. When {@code base} is not null it replaces every source's official mirrors:
     * file F of dataset folder D is fetched from BASE/D/F (a mirror laid out like the data folder). A null
     * {@code client} means {@link #defaultClient()}, made when the first download starts.
     */
    public Downloader(HttpClient client, URI base, Progress progress) {
        this.client = client;
        this.base = base == null ? null : URI.create(base.toString().endsWith("/") ? base.toString() : base + "/");
        this.progress = progress;
    }

    /** The official mirrors (or $LETHE_DATA_MIRROR when set), a bar or log lines for progress. */
    public static Downloader standard() {
        String mirror = System.getenv(MIRROR_ENV);
        return new Downloader(null, mirror == null || mirror.isBlank() ? null : URI.create(mirror.strip()),
                Progress.auto());
    }

    /** An HttpClient that follows redirects (not from https to http) and gives up connecting after 20 s. */
    public static HttpClient defaultClient() {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(CONNECT_TIMEOUT).build();
    }

    private synchronized HttpClient client() {
        if (client == null) client = defaultClient();
        return client;
    }

    /** The base URLs {@code source}'s files are fetched from, in order. */
    public List<URI> mirrors(DownloadSource source) {
        return base == null ? source.mirrors() : List.of(base.resolve(source.folder() + "/"));
    }

    /** Downloads, checks and unpacks {@code source}'s files, then moves them into {@code target}. */
    public void download(DownloadSource source, Path target) throws IOException {
        Path dest = target.toAbsolutePath().normalize();
        Path parent = dest.getParent();
        Files.createDirectories(parent);
        Path staging = createStaging(parent, dest.getFileName().toString());
        try {
            for (RemoteFile file : source.files()) {
                Path local = staging.resolve(file.name());
                fetch(source, file, local);
                if (file.unpack()) {
                    TarExtractor.extract(local, staging);
                    Files.delete(local);
                }
            }
            moveIntoPlace(staging, dest);
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteRecursively(staging);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        deleteRecursively(staging);   // what a merge into an existing folder left: empty folders
    }

    /** Fetches {@code file} into {@code local} from the first mirror that answers, verifying its checksum. */
    private void fetch(DownloadSource source, RemoteFile file, Path local) throws IOException {
        DownloadException last = null;
        for (URI mirror : mirrors(source)) {
            URI url = DownloadSource.url(mirror, file);
            try {
                fetchFrom(url, file, local);
                return;
            } catch (DownloadException e) {
                if (e.kind() == DownloadException.Kind.CHECKSUM_MISMATCH) throw e;
                if (last != null) e.addSuppressed(last);
                last = e;
                LOG.log(System.Logger.Level.DEBUG, "could not download {0}: {1}", url, e.getMessage());
            }
        }
        throw last;
    }

    private void fetchFrom(URI url, RemoteFile file, Path local) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(RESPONSE_TIMEOUT).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while connecting to " + url);
        } catch (IOException | UnresolvedAddressException e) {
            throw unreachable(url, e);
        }
        MessageDigest digest = file.checksum().newDigest();
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200)
                throw new DownloadException(DownloadException.Kind.HTTP_STATUS, url,
                        "cannot download " + url + ": the server answered HTTP " + response.statusCode(), null);
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            try (OutputStream out = Files.newOutputStream(local); Progress.Task task = progress.start(file.name(), length)) {
                byte[] buf = new byte[1 << 16];
                long received = 0;
                while (true) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException e) {
                        throw new DownloadException(DownloadException.Kind.UNREACHABLE, url, "the download of " + url
                                + " broke off after " + received + " bytes (" + describe(e) + ")", e);
                    }
                    if (n < 0) break;
                    out.write(buf, 0, n);
                    digest.update(buf, 0, n);
                    task.advance(n);
                    received += n;
                }
            }
        }
        byte[] got = digest.digest();
        if (!file.checksum().matches(got)) {
            Files.deleteIfExists(local);
            throw new DownloadException(DownloadException.Kind.CHECKSUM_MISMATCH, url,
                    "checksum mismatch for " + url + ": expected " + file.checksum() + ", got " + file.checksum().algorithm()
                            + " " + HexFormat.of().formatHex(got) + "; the file was deleted (a damaged transfer or a wrong mirror)",
                    null);
        }
    }

    private static DownloadException unreachable(URI url, Exception e) {
        return new DownloadException(DownloadException.Kind.UNREACHABLE, url,
                "cannot reach " + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "") + " for " + url + " ("
                        + describe(e) + ")", e);
    }

    /** A short reason for a network failure: "connection refused", "unknown host", "connection timed out". */
    static String describe(Throwable e) {
        String connect = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            switch (t) {
                case HttpConnectTimeoutException _ -> { return "connection timed out"; }
                case HttpTimeoutException _ -> { return "no answer in time"; }
                case UnknownHostException u -> { return "unknown host" + (u.getMessage() == null ? "" : " " + u.getMessage()); }
                case UnresolvedAddressException _ -> { return "unknown host: no network, or no DNS for it"; }
                case NoRouteToHostException _ -> { return "no route to host"; }
                case ConnectException c -> {
                    if (connect == null || connect.isEmpty()) connect = c.getMessage() == null ? "" : c.getMessage().strip();
                }
                default -> {}
            }
        }
        if (connect != null) return connect.isEmpty() ? "connection refused" : connect.toLowerCase(Locale.ROOT);
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Path createStaging(Path parent, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = parent.resolve("." + name + ".download-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            try {
                return Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    /** Renames {@code staging} to {@code dest}, or moves its entries into an existing {@code dest} (replacing files). */
    private static void moveIntoPlace(Path staging, Path dest) throws IOException {
        if (!Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.move(staging, dest, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                // another process made it meanwhile, or the file system cannot rename folders: merge instead
            }
        }
        merge(staging, dest);
    }

    private static void merge(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> entries = Files.list(from)) {
            for (Path e : (Iterable<Path>) entries::iterator) {
                Path t = to.resolve(e.getFileName().toString());
                if (Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS)) merge(e, t);
                else Files.move(e, t, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(p)) {
                for (Path c : (Iterable<Path>) children::iterator) deleteRecursively(c);
            }
        }
        try {
            Files.delete(p);
        } catch (NoSuchFileException e) {
            // already gone (moved into place)
        }
    }
}
