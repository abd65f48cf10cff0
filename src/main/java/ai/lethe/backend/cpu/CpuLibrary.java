// Finds and loads liblethe_cpu.so, the native CPU kernels built from native/ by the Maven build, and says why
// not when it cannot: not linux-x86_64, not built (the build's BUILD-ERROR.txt), a CPU without AVX2/FMA, or a
// dlopen failure (e.g. libopenblas missing at run time). Never throws.
//
// Before the library (and with it libgomp) is loaded, the OpenMP busy-wait is shortened to GOMP_SPINCOUNT =
// 10000 unless the user chose a wait policy: with the default (300000 spins) a thread waiting at a barrier
// keeps its core while its partner may need it, and on a 2-core machine shared with another busy process
// that made kernels 2-3x slower than on one thread; short spins cost nothing measurable when idle.
//
// The library is a class-path resource: from a directory (file: URL, e.g. target/classes) it is loaded in
// place; from a jar it is extracted once to ~/.cache/lethe/native/<sha-256 of its bytes>/liblethe_cpu.so
// (written to a temporary file, then renamed atomically, so concurrent JVMs never see a partial file).
package ai.lethe.backend.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

final class CpuLibrary {
    /** Class-path folder of the library and of the build's error report. */
    static final String DEFAULT_RESOURCE_DIR = "native/linux-x86_64/";
    static final String LIBRARY_NAME = "liblethe_cpu.so";
    static final String BUILD_ERROR_NAME = "BUILD-ERROR.txt";
    /** Busy-wait iterations of an idle OpenMP thread before it sleeps. */
    private static final String OPENMP_SPIN_COUNT = "10000";

    private CpuLibrary() {}

    /** Outcome of a load: the bindings, or why there are none. */
    sealed interface Result permits Loaded, Unavailable {}

    record Loaded(NativeCpu bindings, Path path) implements Result {}

    record Unavailable(String reason) implements Result {}

    /** Loads the library found under {@code resourceDir} of {@code loader}. */
    static Result load(ClassLoader loader, String resourceDir) {
        try {
            String os = System.getProperty("os.name", "?"), arch = System.getProperty("os.arch", "?");
            if (!os.toLowerCase(Locale.ROOT).startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64")))
                return new Unavailable("not linux-x86_64 (" + os + "/" + arch + ")");
            URL url = loader.getResource(resourceDir + LIBRARY_NAME);
            if (url == null) return new Unavailable("native library not built: " + buildError(loader, resourceDir));
            Path path = url.getProtocol().equals("file") ? Path.of(url.toURI()) : extract(url);
            shortenOpenMpSpinning();
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(path, Arena.global());
            } catch (IllegalArgumentException | IllegalCallerException e) {
                return new Unavailable("cannot load " + LIBRARY_NAME + ": " + e.getMessage());
            }
            NativeCpu bindings = NativeCpu.bind(lookup);
            if (!bindings.cpuSupported()) return new Unavailable("CPU lacks AVX2/FMA (x86-64-v3), which " + LIBRARY_NAME + " is built for");
            bindings.init();
            return new Loaded(bindings, path);
        } catch (IOException | URISyntaxException | RuntimeException | LinkageError e) {
            return new Unavailable("cannot load " + LIBRARY_NAME + ": " + e);
        }
    }

    /** Sets GOMP_SPINCOUNT for libgomp, which reads it once when it is loaded, unless a wait policy is set. */
    private static void shortenOpenMpSpinning() {
        if (System.getenv("OMP_WAIT_POLICY") != null || System.getenv("GOMP_SPINCOUNT") != null) return;
        Linker linker = Linker.nativeLinker();
        MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int status = (int) setenv.invokeExact(arena.allocateFrom("GOMP_SPINCOUNT"), arena.allocateFrom(OPENMP_SPIN_COUNT), 0);
            if (status != 0) throw new IllegalStateException("setenv(GOMP_SPINCOUNT) failed");
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException("setenv(GOMP_SPINCOUNT) failed", t);
        }
    }

    /** The build's reason for not producing the library, or a note that neither file is on the class path. */
    private static String buildError(ClassLoader loader, String resourceDir) throws IOException {
        URL report = loader.getResource(resourceDir + BUILD_ERROR_NAME);
        if (report == null) return resourceDir + LIBRARY_NAME + " is not on the class path";
        try (InputStream in = report.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    /** Copies a library inside a jar to the per-user cache, once per distinct content. */
    private static Path extract(URL url) throws IOException {
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        }
        String digest;
        try {
            digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("SHA-256 is not available", e);
        }
        Path dir = Path.of(System.getProperty("user.home"), ".cache", "lethe", "native", digest);
        Path target = dir.resolve(LIBRARY_NAME);
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length) return target;
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, LIBRARY_NAME, ".part");
        try {
            Files.write(temp, bytes);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return target;
    }
}
