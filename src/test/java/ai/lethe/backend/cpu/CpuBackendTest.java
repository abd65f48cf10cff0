// The cpu backend apart from kernel parity: identity and discovery, availability reasons when the library is
// missing or was not built (these run everywhere, library or not), loading from a jar (extraction to the
// cache), memory accounting, write/read, float64 rejection, and the coalescing of strided walks.
package ai.lethe.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Backends;
import ai.lethe.backend.Storage;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuBackendTest {
    @TempDir Path temp;

    /** The reasons below are those of linux-x86_64; elsewhere the platform itself is the reason. */
    private static void assumeLinuxX64() {
        String os = System.getProperty("os.name", ""), arch = System.getProperty("os.arch", "");
        Assumptions.assumeTrue(os.toLowerCase(java.util.Locale.ROOT).startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64")),
                "not linux-x86_64");
    }

    private static URLClassLoader loaderOver(Path root) throws IOException {
        return new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
    }

    @Test void identityAndDiscovery() {
        CpuBackend cpu = new CpuBackend();
        assertEquals("cpu", cpu.name());
        assertEquals(200, cpu.priority());
        assertEquals(Device.CPU, cpu.device());
        assertTrue(Backends.implementation(Backends.byName("cpu")) instanceof CpuBackend, "registered as a service");
        assertSame(cpu.availability(), cpu.availability(), "availability is computed once");
    }

    @Test void missingLibraryIsReportedNotThrown() throws IOException {
        assumeLinuxX64();
        try (URLClassLoader loader = loaderOver(temp)) {
            CpuBackend cpu = new CpuBackend(loader, "nowhere/");
            var a = cpu.availability();
            assertFalse(a.available());
            assertEquals("native library not built: nowhere/liblethe_cpu.so is not on the class path", a.reason());
            Storage s = cpu.allocate(16);
            View v = View.contiguous(s, DType.FLOAT32, Shape.of(4));
            var e = assertThrows(IllegalStateException.class, () -> cpu.unary(UnaryOp.NEG, v, v, 0, 0));
            assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
            s.release();
        }
    }

    @Test void buildErrorIsTheReason() throws IOException {
        assumeLinuxX64();
        Path dir = Files.createDirectories(temp.resolve("native/linux-x86_64"));
        Files.writeString(dir.resolve("BUILD-ERROR.txt"), "gcc not found on PATH (install gcc: sudo apt-get install gcc)\n");
        try (URLClassLoader loader = loaderOver(temp)) {
            var a = new CpuBackend(loader, "native/linux-x86_64/").availability();
            assertFalse(a.available());
            assertEquals("native library not built: gcc not found on PATH (install gcc: sudo apt-get install gcc)", a.reason());
            assertEquals(CpuLibrary.REBUILD_FIX, a.fix());
        }
    }

    @Test void libraryWithoutTheKernelsIsReported() throws IOException {
        assumeLinuxX64();
        // a real shared library (libm) under the kernels' name, as a stale or foreign build would be
        Path libm = Stream.of("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib64/libm.so.6", "/lib64/libm.so.6")
                .map(Path::of).filter(Files::isRegularFile).findFirst().orElse(null);
        Assumptions.assumeTrue(libm != null, "no libm.so.6 found to stand in for a stale library");
        Path dir = Files.createDirectories(temp.resolve("lib"));
        Files.copy(libm, dir.resolve("liblethe_cpu.so"));
        try (URLClassLoader loader = loaderOver(temp)) {
            var a = new CpuBackend(loader, "lib/").availability();
            assertFalse(a.available());
            assertTrue(a.reason().startsWith("cannot load liblethe_cpu.so: "), a.reason());
            assertTrue(a.reason().contains("lethe_cpu_supported is missing"), a.reason());
        }
    }

    @Test void libraryInsideAJarIsExtractedOnceToTheCache() throws IOException {
        BothBackends.assumeCpuAvailable();
        // a jar like target/lethe.jar: the kernels and the bundled OpenBLAS with its run-time libraries
        ClassLoader here = CpuBackend.class.getClassLoader();
        List<String> entries = new ArrayList<>(List.of(CpuLibrary.DEFAULT_RESOURCE_DIR + CpuLibrary.LIBRARY_NAME,
                OpenBlas.RESOURCE_DIR + OpenBlas.LIBRARY));
        for (String dep : OpenBlas.RUNTIME) entries.add(OpenBlas.RESOURCE_DIR + dep);
        Path jar = temp.resolve("lethe-native.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            for (String entry : entries) {
                j.putNextEntry(new JarEntry(entry));
                try (var in = here.getResource(entry).openStream()) {
                    in.transferTo(j);
                }
                j.closeEntry();
            }
        }
        Path cache = temp.resolve("home/.cache/lethe/native");
        String home = System.getProperty("user.home");
        System.setProperty("user.home", temp.resolve("home").toString());
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            Assumptions.assumeTrue(System.getenv("XDG_CACHE_HOME") == null, "XDG_CACHE_HOME moves the cache");
            CpuBackend first = new CpuBackend(loader, "native/linux-x86_64/"), second = new CpuBackend(loader, "native/linux-x86_64/");
            assertTrue(first.availability().available(), first.availability().reason());
            assertTrue(first.availability().reason().contains(cache.toString()), first.availability().reason());
            assertEquals(first.availability().reason(), second.availability().reason(), "the same extracted files are reused");
            assertTrue(first.blas().orElseThrow().path().startsWith(cache), first.blas().orElseThrow().path().toString());
            try (var dirs = Files.list(cache)) {
                assertEquals(2, dirs.count(), "one folder for the kernels, one for OpenBLAS");
            }
        } finally {
            System.setProperty("user.home", home);
        }
    }

    @Test void memoryIsCountedAndWriteReadRoundTrips() {
        BothBackends.assumeCpuAvailable();
        CpuBackend cpu = new CpuBackend();
        var before = cpu.memoryStats();
        Storage s = cpu.allocate(5 * Float.BYTES);
        View v = View.contiguous(s, DType.FLOAT32, Shape.of(5));
        float[] data = {1, -2, 3.5f, Float.NaN, 0};
        cpu.write(java.lang.foreign.MemorySegment.ofArray(data), v);
        float[] back = new float[5];
        cpu.read(v, java.lang.foreign.MemorySegment.ofArray(back));
        assertArrayEquals(data, back);
        assertEquals(before.allocations() + 1, cpu.memoryStats().allocations());
        s.release();
        assertEquals(before.liveBytes(), cpu.memoryStats().liveBytes());
        assertEquals(before.frees() + 1, cpu.memoryStats().frees());
    }

    @Test void float64ComputeIsRejectedButCopiesWork() {
        BothBackends.assumeCpuAvailable();
        CpuBackend cpu = new CpuBackend();
        Storage s = cpu.allocate(4 * Double.BYTES), t = cpu.allocate(4 * Float.BYTES);
        View d = View.contiguous(s, DType.FLOAT64, Shape.of(2, 2)), f = View.contiguous(t, DType.FLOAT32, Shape.of(2, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> cpu.matmul(d, d, d, 1, 0));
        assertEquals("matmul: float64 is supported only on the ref backend", e.getMessage());
        cpu.fill(d, 0.1);
        cpu.copy(d, f);
        try (Arena arena = Arena.ofConfined()) {
            var out = arena.allocate(4 * Float.BYTES);
            cpu.read(f, out);
            assertEquals(0.1f, out.getAtIndex(ValueLayout.JAVA_FLOAT, 3));
        }
        s.release();
        t.release();
    }

    // ---- strided walks ----------------------------------------------------------------------------------------

    @Test void denseOperandsCoalesceToOneDimension() {
        var w = StridedWalk.of(new long[] {3, 5, 7}, new long[] {35, 7, 1}, new long[] {35, 7, 1});
        assertArrayEquals(new long[] {105}, w.shape());
        assertArrayEquals(new long[] {1}, w.strides()[0]);
    }

    @Test void broadcastAndTransposedOperandsKeepWhatCannotMerge() {
        // b broadcast along dimension 0; out dense: dims 1 and 2 merge, 0 stays apart
        var w = StridedWalk.of(new long[] {3, 5, 7}, new long[] {35, 7, 1}, new long[] {0, 7, 1});
        assertArrayEquals(new long[] {3, 35}, w.shape());
        assertArrayEquals(new long[] {0, 1}, w.strides()[1]);
        // a transposed: nothing merges
        var t = StridedWalk.of(new long[] {4, 6}, new long[] {1, 4}, new long[] {6, 1});
        assertArrayEquals(new long[] {4, 6}, t.shape());
    }

    @Test void sizeOneDimensionsVanishAndEmptyOrScalarWalksAreSimple() {
        var w = StridedWalk.of(new long[] {1, 4, 1, 3}, new long[] {99, 3, 42, 1});
        assertArrayEquals(new long[] {12}, w.shape());
        assertEquals(0, StridedWalk.of(new long[] {2, 0, 3}, new long[] {0, 3, 1}).numel());
        var scalar = StridedWalk.of(new long[] {}, new long[] {});
        assertArrayEquals(new long[] {1}, scalar.shape());
    }

    @Test void deepWalksSplitIntoBlocksCoveringEveryElement() {
        long[] shape = {2, 3, 2, 2, 2, 2, 2, 2, 2, 2};
        long[] strides = new long[10];
        long stride = 1;
        for (int d = 0; d < 10; d++) {   // reversed order: nothing merges
            strides[d] = stride;
            stride *= shape[d];
        }
        var w = StridedWalk.of(shape, strides);
        assertEquals(10, w.rank());
        long[] count = {0};
        java.util.Set<Long> seen = new java.util.HashSet<>();
        w.forEachBlock(8, (block, off) -> {
            assertEquals(8, block.rank());
            count[0] += block.numel();
            seen.add(off[0]);
        });
        assertEquals(w.numel(), count[0]);
        assertEquals(6, seen.size());
    }
}
