// The per-kernel resource report of the CUDA build (cuda/resources.tsv on the class path, written by
// cuda-kernels/build.sh from ptxas -v): registers, stack, spills and static shared memory per kernel and
// architecture, with the launch bound the kernel declares. The emulator takes each kernel's static shared memory
// from it (it cannot measure it), and a test checks it for spills and launch bounds the registers cannot meet.
package ai.lethe.backend.cuda;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One kernel compiled for one architecture, as ptxas reported it. */
public record KernelResources(String kernel, String arch, int registers, int stackBytes, int spillStoreBytes,
                              int spillLoadBytes, int staticSharedBytes, int maxThreads) {

    /** Where the report is on the class path. */
    public static final String RESOURCE = "cuda/resources.tsv";

    private static final String HEADER =
            "kernel\tarch\tregisters\tstack_bytes\tspill_store_bytes\tspill_load_bytes\tstatic_shared_bytes\tmax_threads";

    /** The report on the class path of the loader, or empty when the fatbin was not built. */
    public static Optional<List<KernelResources>> fromClassPath(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
            return in == null ? Optional.empty() : Optional.of(read(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** Parses a report; a malformed line is an error naming it. */
    public static List<KernelResources> read(InputStream in) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String header = r.readLine();
        if (!HEADER.equals(header)) throw new IOException(RESOURCE + ": unexpected header " + header + " (expected " + HEADER + ")");
        List<KernelResources> rows = new ArrayList<>();
        int lineNo = 1;
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            try {
                if (f.length != 8) throw new NumberFormatException(f.length + " fields, expected 8");
                rows.add(new KernelResources(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]),
                        Integer.parseInt(f[5]), Integer.parseInt(f[6]), Integer.parseInt(f[7])));
            } catch (NumberFormatException e) {
                throw new IOException(RESOURCE + " line " + lineNo + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return rows;
    }
}
