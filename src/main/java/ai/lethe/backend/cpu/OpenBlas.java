// Loads the BLAS the cpu backend's GEMMs run on, through FFM (no JNI, no JavaCPP), and hands over its sgemm.
//
// Which library: the OpenBLAS that Maven resolves with Lethe (org.bytedeco:openblas, linux-x86_64: one
// DYNAMIC_ARCH library holding every x86-64 kernel, plus its libgfortran/libquadmath), extracted from the class
// path by NativeFiles; or the file named by -Dlethe.blas=PATH (or LETHE_BLAS), any library exporting
// cblas_sgemm (a system OpenBLAS, BLIS, MKL's libmkl_rt).
//
// Which kernel: OpenBLAS picks one from the CPU's model number when it is loaded, and on machines that report
// unknown numbers (virtual CPUs) it picks its slowest. Lethe chooses instead from the CPU's feature flags
// (CpuFeatures.blasKernels: SKYLAKEX with AVX-512, HASWELL with AVX2 + FMA, ...) and sets OPENBLAS_CORETYPE
// for the load; -Dlethe.blas.kernel=NAME or LETHE_BLAS_KERNEL=NAME forces one the CPU can run (an
// OPENBLAS_CORETYPE already in the environment is reported, not followed: see Request). OpenBLAS also
// starts with one thread (OPENBLAS_NUM_THREADS=1): Lethe parallelises around it with OpenMP. Both variables are
// put back after the load.
//
// Then the kernel must pass GemmCheck. One that does not is never used: the next kernel is loaded, and the
// rejection is logged and shown by `lethe info`. Each kernel of the bundled OpenBLAS is loaded from its own copy
// of the library (libopenblas-<kernel>.so.0 in the cache; OpenBLAS reads OPENBLAS_CORETYPE once, when a copy is
// first loaded, and dlopen loads a file with another inode as another library), so a process can hold two
// kernels: the one the backend chose and one a benchmark or test forces.
package ai.lethe.backend.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BiFunction;

final class OpenBlas {
    private static final System.Logger LOG = System.getLogger("ai.lethe.backend");
    /** Where Bytedeco's jar keeps the libraries. */
    static final String RESOURCE_DIR = "org/bytedeco/openblas/linux-x86_64/";
    static final String LIBRARY = "libopenblas.so.0";
    /** Libraries libopenblas.so.0 needs that a machine may lack; found beside it through its RUNPATH $ORIGIN. */
    static final List<String> RUNTIME = List.of("libgfortran.so.5", "libquadmath.so.0", "libgcc_s.so.1");
    static final String POM_PROPERTIES = "META-INF/maven/org.bytedeco/openblas/pom.properties";

    private OpenBlas() {}

    sealed interface Result permits Loaded, Failed {}

    /** A BLAS that passed the check: its cblas_sgemm and what it is. */
    record Loaded(MemorySegment sgemm, BlasInfo info) implements Result {}

    /** No usable BLAS: why, and what the user can do about it. */
    record Failed(String reason, String fix) implements Result {}

    /**
     * What the user asked for: a library file (null: the bundled OpenBLAS) and a kernel (null: from the flags),
     * each with the setting that asked for it.
     */
    record Request(Path library, String librarySetting, String kernel, String kernelSetting, String ignoredCoreType) {
        /**
         * From -Dlethe.blas / LETHE_BLAS and -Dlethe.blas.kernel / LETHE_BLAS_KERNEL. OPENBLAS_CORETYPE in the
         * environment is not followed (machines and cluster modules set it for other programs; on this project's
         * own machines it named Haswell on CPUs with AVX-512, at half the speed) but reported as ignored.
         */
        static Request fromSettings() {
            String lib = System.getProperty("lethe.blas"), libSetting = "-Dlethe.blas=" + lib;
            if (blank(lib)) {
                lib = System.getenv("LETHE_BLAS");
                libSetting = "LETHE_BLAS=" + lib;
            }
            String kernel = System.getProperty("lethe.blas.kernel"), kernelSetting = "-Dlethe.blas.kernel=" + kernel;
            if (blank(kernel)) {
                kernel = System.getenv("LETHE_BLAS_KERNEL");
                kernelSetting = "LETHE_BLAS_KERNEL=" + kernel;
            }
            String coreType = System.getenv("OPENBLAS_CORETYPE");
            return new Request(blank(lib) ? null : Path.of(lib), blank(lib) ? null : libSetting,
                    blank(kernel) ? null : kernel.strip().toUpperCase(Locale.ROOT), blank(kernel) ? null : kernelSetting,
                    blank(coreType) ? null : coreType);
        }

        private static boolean blank(String s) { return s == null || s.isBlank(); }
    }

    /** The BLAS for this machine, as the settings ask, checked by GemmCheck. */
    static Result load(ClassLoader loader, CpuFeatures features) {
        return load(loader, features, Request.fromSettings(), (kernel, sgemm) -> GemmCheck.run(sgemm));
    }

    /** As {@link #load(ClassLoader, CpuFeatures)}, with the check given (tests reject kernels through it). */
    static Result load(ClassLoader loader, CpuFeatures features, Request request,
                       BiFunction<String, MethodHandle, String> check) {
        URL bundled = null;
        Path dir = null;
        if (request.library() != null) {
            if (!Files.isRegularFile(request.library()))
                return new Failed(request.librarySetting() + ": no such file",
                        "name a BLAS library file exporting cblas_sgemm, or drop the setting to use the bundled OpenBLAS");
        } else {
            bundled = loader.getResource(RESOURCE_DIR + LIBRARY);
            if (bundled == null)
                return new Failed("the bundled OpenBLAS (" + RESOURCE_DIR + LIBRARY + ") is not on the class path",
                        "build with Maven, which resolves org.bytedeco:openblas:linux-x86_64 (a dependency of Lethe)");
            try {
                dir = NativeFiles.cacheRoot().resolve("openblas-" + NativeFiles.contentKey(bundled));
                for (String name : RUNTIME) {
                    URL dep = loader.getResource(RESOURCE_DIR + name);
                    if (dep != null) NativeFiles.extract(dep, dir, name);
                }
            } catch (IOException | RuntimeException e) {
                return new Failed("cannot extract the bundled OpenBLAS: " + e, "check that ~/.cache (or the temporary folder) is writable");
            }
        }

        List<String> kernels = new ArrayList<>(features.blasKernels());
        String choice = "chosen from the CPU's " + features.describe() + " flags";
        if (request.kernel() != null) {
            if (kernels.remove(request.kernel())) {
                kernels.addFirst(request.kernel());
                choice = "forced by " + request.kernelSetting();
            } else {
                choice += "; " + request.kernelSetting() + " ignored: this CPU can run " + features.blasKernels();
                LOG.log(System.Logger.Level.WARNING, "{0} ignored: this CPU ({1}) can run the OpenBLAS kernels {2}",
                        request.kernelSetting(), features.describe(), features.blasKernels());
            }
        }
        if (request.ignoredCoreType() != null)
            choice += "; OPENBLAS_CORETYPE=" + request.ignoredCoreType() + " in the environment ignored (LETHE_BLAS_KERNEL "
                    + "or -Dlethe.blas.kernel forces a kernel)";

        List<String> rejected = new ArrayList<>();
        for (int i = 0; i < kernels.size(); i++) {
            String kernel = kernels.get(i);
            if (i > 0 && request.library() != null) break;        // a user's library is tried as it is, once
            Path file;
            SymbolLookup lookup;
            try {
                file = bundled == null ? request.library().toAbsolutePath()
                        : NativeFiles.extract(bundled, dir, "libopenblas-" + kernel.toLowerCase(Locale.ROOT) + ".so.0");
                try (var env = ProcessEnvironment.override(Map.of("OPENBLAS_CORETYPE", kernel, "OPENBLAS_NUM_THREADS", "1"))) {
                    lookup = SymbolLookup.libraryLookup(file, Arena.global());
                }
            } catch (IOException | RuntimeException e) {
                return new Failed("cannot load the BLAS " + (bundled == null ? request.library() : bundled) + ": " + e.getMessage(),
                        "check that the file is a linux-x86_64 shared library and its dependencies are installed");
            }
            Optional<MemorySegment> sgemm = lookup.find("cblas_sgemm");
            if (sgemm.isEmpty())
                return new Failed(file + " exports no cblas_sgemm", "name a BLAS library with the CBLAS interface");
            setThreads(lookup, 1);
            String core = string(lookup, "openblas_get_corename").orElse("unknown");
            String config = string(lookup, "openblas_get_config").orElse("");
            String failure = check.apply(kernel, GemmCheck.sgemmHandle(sgemm.get()));
            if (failure == null) {
                String version = versionOf(config);
                String library = bundled == null ? file + " (" + request.librarySetting() + ")"
                        : "OpenBLAS " + version + " (" + bytedecoArtifact(loader) + ")";
                BlasInfo info = new BlasInfo(library, version, core, rejected.isEmpty() ? choice : choice
                        + "; the first that passed the GEMM check", rejected, threads(lookup), file);
                if (!rejected.isEmpty())
                    LOG.log(System.Logger.Level.WARNING, "OpenBLAS: using kernel {0} after rejecting {1}", core, rejected);
                return new Loaded(sgemm.get(), info);
            }
            String rejection = kernel + " (" + core + "): " + failure;
            rejected.add(rejection);
            LOG.log(System.Logger.Level.WARNING, "OpenBLAS kernel {0} failed the GEMM check, not used: {1}", kernel, failure);
        }
        return new Failed("no BLAS kernel computed correct products: " + String.join("; ", rejected),
                "report this (lethe info shows the CPU), or name another BLAS with -Dlethe.blas=PATH");
    }

    /** "org.bytedeco:openblas 0.3.31-1.5.13" from the artifact's pom.properties, or without the version. */
    private static String bytedecoArtifact(ClassLoader loader) {
        URL url = loader.getResource(POM_PROPERTIES);
        if (url != null) {
            try (InputStream in = url.openStream()) {
                Properties p = new Properties();
                p.load(in);
                if (p.getProperty("version") != null) return "org.bytedeco:openblas " + p.getProperty("version");
            } catch (IOException e) {
                // fall through
            }
        }
        return "org.bytedeco:openblas";
    }

    /** "0.3.31" from openblas_get_config's "OpenBLAS 0.3.31 DYNAMIC_ARCH ...", else "unknown". */
    static String versionOf(String config) {
        String[] words = config.strip().split("\\s+");
        return words.length >= 2 && words[0].equals("OpenBLAS") ? words[1] : "unknown";
    }

    private static void setThreads(SymbolLookup lookup, int threads) {
        lookup.find("openblas_set_num_threads").ifPresent(f -> {
            try {
                Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)).invokeExact(threads);
            } catch (Throwable t) {
                throw new IllegalStateException("openblas_set_num_threads failed", t);
            }
        });
    }

    private static int threads(SymbolLookup lookup) {
        return lookup.find("openblas_get_num_threads").map(f -> {
            try {
                return (int) Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT)).invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException("openblas_get_num_threads failed", t);
            }
        }).orElse(1);
    }

    /** The C string a no-argument function returns (openblas_get_corename, openblas_get_config). */
    private static Optional<String> string(SymbolLookup lookup, String function) {
        return lookup.find(function).map(f -> {
            try {
                MemorySegment p = (MemorySegment) Linker.nativeLinker()
                        .downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
                return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(4096).getString(0).strip();
            } catch (Throwable t) {
                throw new IllegalStateException(function + " failed", t);
            }
        });
    }
}
