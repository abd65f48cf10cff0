// What `lethe info` reports: the JDK, the OS, the CPU (model, vector extensions) and memory, every backend found
// (available or not, why, and the fix), the cpu backend's BLAS (library, version, kernel and why, threads), and
// the default device. Collected once, rendered as aligned text or as JSON (the same facts). For an available CUDA
// backend (cuda, cuda-emu) also which path its convolutions take and why (ConvRouting.describe: cuDNN and its
// version, or Lethe's kernels and why not cuDNN), and where its linear layers add their bias (GemmEpilogue.describe:
// cuBLASLt's GEMM epilogue, or a kernel after the GEMM and why). And the default conv/GEMM precision (Precision.describeDefault).
// And the distributed section: this process's rank (from its launcher's environment), the communicator it joined,
// and whether MPI (Open MPI's libmpi.so.40: its MPI_Get_library_version) and NCCL (libnccl.so.2) load, or why not.
package ai.lethe.cli;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Precision;
import ai.lethe.backend.cpu.CpuBackend;
import ai.lethe.backend.cpu.CpuFeatures;
import ai.lethe.backend.cuda.ConvRouting;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.GemmEpilogue;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.distributed.DistributedEnvironment;
import ai.lethe.distributed.MpiCommunicator;
import ai.lethe.distributed.NcclCommunicator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

record SystemReport(String letheVersion, Jdk jdk, Os os, Cpu cpu, List<BackendInfo> backends, Blas blas,
                    String defaultDevice, String forcedBy, String defaultDeviceError, String precision,
                    DistributedInfo distributed) {

    /**
     * The distributed section: this process's place (rank r of n and its launcher, or a single process), the
     * communicator it joined, and whether each communicator library can be loaded (its version) or why not.
     */
    record DistributedInfo(String process, String communicator, boolean mpiAvailable, String mpi, boolean ncclAvailable,
                           String nccl) {
        static DistributedInfo collect() {
            String process;
            try {
                process = DistributedEnvironment.detect().describe();
            } catch (IllegalArgumentException e) {
                process = "bad launcher environment: " + e.getMessage();
            }
            Communicator c = Distributed.current();
            String comm = c.name() + " (rank " + c.rank() + " of " + c.size() + ")";
            String mpiWhyNot = MpiCommunicator.unavailableReason();
            String mpi = mpiWhyNot;
            if (mpiWhyNot == null) {
                try {
                    mpi = MpiCommunicator.libraryVersion();
                } catch (RuntimeException e) {
                    mpiWhyNot = mpi = "libmpi.so.40 loads but MPI_Get_library_version failed: " + e.getMessage();
                }
            }
            String ncclWhyNot = NcclCommunicator.unavailableReason();
            String nccl = ncclWhyNot;
            if (ncclWhyNot == null) {
                try {
                    nccl = "NCCL " + NcclCommunicator.libraryVersion() + " (libnccl.so.2), for ranks on the cuda backend";
                } catch (RuntimeException e) {
                    ncclWhyNot = nccl = "libnccl.so.2 loads but ncclGetVersion failed: " + e.getMessage();
                }
            }
            return new DistributedInfo(process, comm, mpiWhyNot == null, mpi, ncclWhyNot == null, nccl);
        }
    }

    record Jdk(String version, String vendor, String home) {}

    record Os(String name, String version, String arch) {}

    /** model is null where /proc/cpuinfo does not name it; totalMemoryBytes is -1 where unknown. */
    record Cpu(String model, int processors, long totalMemoryBytes, long maxHeapBytes) {}

    /**
     * convolution: for an available CUDA backend, its convolution path and why (else null); linearBias: likewise where a
     * linear layer's bias is added (GemmEpilogue.describe: the GEMM's epilogue, or a kernel after it and why); graphs:
     * for an available backend with CUDA graphs (GraphCapture), whether training steps use them and how to switch (else null).
     */
    record BackendInfo(String name, String device, int priority, boolean available, String detail, String fix,
                       String convolution, String linearBias, String graphs) {}

    /** The cpu backend's BLAS, and the CPU's vector extensions it was chosen from; null without the cpu backend. */
    record Blas(String library, String version, String kernel, String choice, List<String> rejected, int threadsPerCall,
                String cpuFeatures, String path) {
        static Blas of(Backend b) {
            if (!(Backends.implementation(b) instanceof CpuBackend cpu)) return null;
            return cpu.blas().map(i -> new Blas(i.library(), i.version(), i.kernel(), i.choice(), i.rejected(),
                    i.threadsPerCall(), cpu.cpuFeatures().map(CpuFeatures::describe).orElse("unknown"), i.path().toString()))
                    .orElse(null);
        }
    }

    /** {@code deviceOption} is the value of the global --device option, or null. */
    static SystemReport collect(String deviceOption) {
        var jdk = new Jdk(Runtime.version().toString(), System.getProperty("java.vendor"),
                System.getProperty("java.home"));
        var os = new Os(System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"));
        var cpu = new Cpu(cpuModel(), Runtime.getRuntime().availableProcessors(), totalMemory(),
                Runtime.getRuntime().maxMemory());
        List<BackendInfo> backends = Backends.all().stream().map(SystemReport::describe).toList();
        Blas blas = Backends.all().stream().map(Blas::of).filter(Objects::nonNull).findFirst().orElse(null);
        String device = null, error = null;
        try {
            device = Backends.defaultDevice().toString();
        } catch (RuntimeException e) {
            error = Main.describe(e);
        }
        return new SystemReport(VersionProvider.version(), jdk, os, cpu, backends, blas, device, forcedBy(deviceOption), error,
                Precision.describeDefault(), DistributedInfo.collect());
    }

    static BackendInfo describe(Backend b) {
        Availability a;
        try {
            a = b.availability();
            if (a == null) a = Availability.no("the backend reported no availability");
        } catch (RuntimeException | LinkageError e) {   // availability() must not throw; report it if it does
            a = Availability.no("availability check failed: " + Main.describe(e));
        }
        String device;
        try {
            device = String.valueOf(b.device());
        } catch (RuntimeException e) {
            device = b.name();
        }
        return new BackendInfo(b.name(), device, b.priority(), a.available(), a.reason(), a.fix(), convolution(b, a),
                linearBias(b, a), graphs(b, a));
    }

    /** Whether an available backend's training steps run as CUDA graphs, and the switch (else null). */
    private static String graphs(Backend b, Availability a) {
        if (!a.available() || !(Backends.implementation(b) instanceof ai.lethe.backend.GraphCapture g)) return null;
        try {
            String why = g.graphsUnsupported();
            if (why != null) return "unsupported (" + why + ")";
            return ai.lethe.backend.GraphCapture.enabledBySettings()
                    ? "on: full-batch training steps are captured and replayed (off: --no-cuda-graphs, -Dlethe.cuda.graphs=false or LETHE_CUDA_GRAPHS=0)"
                    : "off by the settings (-Dlethe.cuda.graphs / LETHE_CUDA_GRAPHS)";
        } catch (RuntimeException | LinkageError e) {
            return "unknown (" + Main.describe(e) + ")";
        }
    }

    /** The convolution path of an available CUDA backend (ConvRouting.describe), else null. */
    private static String convolution(Backend b, Availability a) {
        if (!a.available() || !(Backends.implementation(b) instanceof CudaBackend c)) return null;
        try {
            return ConvRouting.describe(c.context().runtime());
        } catch (RuntimeException | LinkageError e) {
            return "unknown (" + Main.describe(e) + ")";
        }
    }

    /** Where an available CUDA backend adds a linear layer's bias (GemmEpilogue.describe), else null. */
    private static String linearBias(Backend b, Availability a) {
        if (!a.available() || !(Backends.implementation(b) instanceof CudaBackend c)) return null;
        try {
            return GemmEpilogue.describe(c.context().runtime());
        } catch (RuntimeException | LinkageError e) {
            return "unknown (" + Main.describe(e) + ")";
        }
    }

    /** How the default device was forced, or null when it is the best available one. */
    private static String forcedBy(String deviceOption) {
        if (deviceOption != null) return "--device " + deviceOption;
        String p = System.getProperty("lethe.device");
        if (p != null && !p.isBlank()) return "-Dlethe.device=" + p;
        String e = System.getenv("LETHE_DEVICE");
        if (e != null && !e.isBlank()) return "LETHE_DEVICE=" + e;
        return null;
    }

    /** The "model name" of /proc/cpuinfo (or "Model"/"cpu model" on other architectures), else null. */
    static String cpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) return null;
        try (var lines = Files.lines(cpuinfo)) {
            return lines.map(line -> line.split(":", 2))
                    .filter(kv -> kv.length == 2)
                    .filter(kv -> switch (kv[0].trim()) {
                        case "model name", "Model", "cpu model" -> true;
                        default -> false;
                    })
                    .map(kv -> kv[1].trim())
                    .filter(v -> !v.isEmpty())
                    .findFirst().orElse(null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Physical memory of the machine (or the container's limit), -1 where the JDK cannot tell. */
    private static long totalMemory() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getTotalMemorySize();
            }
        } catch (RuntimeException | LinkageError e) {
            // fall through
        }
        return -1;
    }

    String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append("lethe ").append(letheVersion).append('\n');
        sb.append("jdk:     ").append(jdk.version).append(", ").append(jdk.vendor).append(", ").append(jdk.home).append('\n');
        sb.append("os:      ").append(os.name).append(' ').append(os.version).append(' ').append(os.arch).append('\n');
        sb.append("cpu:     ").append(cpu.model == null ? "unknown model" : cpu.model)
                .append(", ").append(cpu.processors).append(cpu.processors == 1 ? " processor" : " processors")
                .append(", ").append(cpu.totalMemoryBytes < 0 ? "unknown" : bytes(cpu.totalMemoryBytes)).append(" memory")
                .append(" (JVM max heap ").append(bytes(cpu.maxHeapBytes)).append(")\n");
        sb.append("backends:\n");
        int width = backends.stream().mapToInt(b -> b.name.length()).max().orElse(0);
        for (BackendInfo b : backends) {
            sb.append("  ").append(pad(b.name, width)).append("  ")
                    .append(pad(b.available ? "available" : "unavailable", "unavailable".length())).append("  ")
                    .append(b.detail == null ? "" : b.detail)
                    .append(b.fix == null ? "" : ". Fix: " + b.fix).append('\n');
            if (b.convolution != null)
                sb.append("  ").append(" ".repeat(width)).append("  convolution: ").append(b.convolution).append('\n');
            if (b.linearBias != null)
                sb.append("  ").append(" ".repeat(width)).append("  linear bias: ").append(b.linearBias).append('\n');
            if (b.graphs != null)
                sb.append("  ").append(" ".repeat(width)).append("  CUDA graphs: ").append(b.graphs).append('\n');
        }
        if (blas != null) {
            sb.append("blas:    ").append(blas.library).append(", kernel ").append(blas.kernel).append(" (")
                    .append(blas.choice).append("), ").append(blas.threadsPerCall)
                    .append(blas.threadsPerCall == 1 ? " thread" : " threads").append(" per call\n");
            sb.append("         CPU extensions: ").append(blas.cpuFeatures).append('\n');
            for (String r : blas.rejected) sb.append("         rejected (failed the GEMM check): ").append(r).append('\n');
        }
        if (backends.isEmpty()) sb.append("  (none found)\n");
        sb.append("default device: ");
        if (defaultDevice != null) {
            sb.append(defaultDevice);
            if (forcedBy != null) sb.append(" (forced by ").append(forcedBy).append(')');
        } else {
            sb.append("none (").append(defaultDeviceError).append(')');
        }
        sb.append('\n').append("precision: ").append(precision)
                .append(" for conv/GEMM (fp32 | tf32 | bf16: --precision of train and unlearn, -D")
                .append(Precision.PROPERTY).append(", ").append(Precision.ENV).append(')');
        sb.append('\n').append("distributed:\n");
        sb.append("  process:      ").append(distributed.process()).append('\n');
        sb.append("  communicator: ").append(distributed.communicator()).append('\n');
        sb.append("  mpi:          ").append(distributed.mpiAvailable() ? "available, " : "unavailable: ")
                .append(distributed.mpi()).append('\n');
        sb.append("  nccl:         ").append(distributed.ncclAvailable() ? "available, " : "unavailable: ")
                .append(distributed.nccl());
        return sb.append('\n').toString();
    }

    String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("lethe", Map.of("version", letheVersion));
        root.put("jdk", ordered("version", jdk.version, "vendor", jdk.vendor, "home", jdk.home));
        root.put("os", ordered("name", os.name, "version", os.version, "arch", os.arch));
        root.put("cpu", ordered("model", cpu.model, "processors", cpu.processors,
                "totalMemoryBytes", cpu.totalMemoryBytes < 0 ? null : cpu.totalMemoryBytes,
                "maxHeapBytes", cpu.maxHeapBytes));
        root.put("backends", backends.stream().map(b -> ordered("name", b.name, "device", b.device,
                "priority", b.priority, "available", b.available, "detail", b.detail, "fix", b.fix,
                "convolution", b.convolution, "linearBias", b.linearBias, "graphs", b.graphs)).toList());
        root.put("blas", blas == null ? null : ordered("library", blas.library, "version", blas.version, "kernel", blas.kernel,
                "choice", blas.choice, "rejected", blas.rejected, "threadsPerCall", blas.threadsPerCall,
                "cpuFeatures", blas.cpuFeatures, "path", blas.path));
        root.put("defaultDevice", defaultDevice);
        root.put("defaultDeviceForcedBy", forcedBy);
        root.put("defaultDeviceError", defaultDeviceError);
        root.put("precision", precision);
        root.put("distributed", ordered("process", distributed.process(), "communicator", distributed.communicator(),
                "mpiAvailable", distributed.mpiAvailable(), "mpi", distributed.mpi(),
                "ncclAvailable", distributed.ncclAvailable(), "nccl", distributed.nccl()));
        return Json.write(root);
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /** 1536 -> "1.5 KiB", 8 GiB -> "8.0 GiB". */
    static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
