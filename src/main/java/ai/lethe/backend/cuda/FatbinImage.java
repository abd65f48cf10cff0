// The CUDA fatbin the build packs in the jar (cuda/lethe.fatbin, from cuda-kernels/build.sh), as the NVIDIA runtime
// needs it: its bytes for cuModuleLoadData, and the architectures it holds (for `lethe info` and for telling a device
// it cannot run on). The container's layout: a 16-byte header (magic 0xBA55ED50, version, header size, payload
// size), then entries, each with a header giving its kind (1 = PTX, 2 = ELF cubin), header size, payload size and,
// at byte 28, the architecture (80, 90). FatbinTest reads the same layout independently.
package ai.lethe.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A fatbin's bytes and the code it holds (cubins sm_XX first, then PTX compute_XX, each ascending). */
public record FatbinImage(byte[] bytes, List<String> architectures) {
    /** Where the build puts the fatbin on the class path. */
    public static final String RESOURCE = "cuda/lethe.fatbin";
    /** Why the build did not make it (written by cuda-kernels/build.sh when CUDA is optional). */
    public static final String BUILD_ERROR_RESOURCE = "cuda/BUILD-ERROR.txt";

    private static final int MAGIC = 0xBA55ED50;

    /** Parses a fatbin; an IllegalArgumentException when it is not one. */
    public static FatbinImage of(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 16 || b.getInt(0) != MAGIC)
            throw new IllegalArgumentException("not a CUDA fatbin (no magic 0xBA55ED50 in its first 4 bytes)");
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long payload = b.getLong(8);
        if (headerSize + payload != bytes.length)
            throw new IllegalArgumentException("a truncated fatbin: its header says " + (headerSize + payload) + " bytes, it has " + bytes.length);
        List<String> arches = new ArrayList<>();
        long off = headerSize;
        while (off + 32 <= bytes.length) {
            int o = (int) off;
            int kind = Short.toUnsignedInt(b.getShort(o));
            int entryHeader = b.getInt(o + 4);
            long size = b.getLong(o + 8);
            int arch = b.getInt(o + 28);
            String label = (kind == 1 ? "compute_" : kind == 2 ? "sm_" : "kind" + kind + "_") + arch;
            if (!arches.contains(label)) arches.add(label);
            if (entryHeader <= 0 || size < 0) break;
            off += entryHeader + size;
        }
        arches.sort(java.util.Comparator.comparing((String x) -> !x.startsWith("sm_")).thenComparing(x -> x));  // cubins, then PTX
        return new FatbinImage(bytes, List.copyOf(arches));
    }

    /** The fatbin on the loader's class path; an IllegalStateException saying why when there is none. */
    public static FatbinImage fromClassPath(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
            if (in != null) return of(in.readAllBytes());
            String reason = RESOURCE + " is not on the class path (the CUDA kernels were not built with nvcc)";
            try (InputStream err = loader.getResourceAsStream(BUILD_ERROR_RESOURCE)) {
                if (err != null) reason += ": " + new String(err.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            throw new IllegalStateException(reason);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether the fatbin has code a device of compute capability major.minor can run: a cubin of the same major and
     * no higher minor (sm_80 runs on 8.x), or PTX of no higher capability (compute_90 JIT-compiles for 9.0 and later).
     */
    public boolean runsOn(int major, int minor) {
        int cc = major * 10 + minor;
        for (String a : architectures) {
            int arch = Integer.parseInt(a.substring(a.indexOf('_') + 1));
            if (a.startsWith("sm_") && arch / 10 == major && arch <= cc) return true;
            if (a.startsWith("compute_") && arch <= cc) return true;
        }
        return false;
    }
}
