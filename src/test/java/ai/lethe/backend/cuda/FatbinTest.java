// The fatbin packed in the jar (cuda/lethe.fatbin, built by nvcc in cuda-kernels/build.sh) holds exactly sm_80 and
// sm_90 code and compute_90 PTX, every production kernel of the resource report is in each cubin, and none of the
// emulator's test kernels is. Read from the fatbin container's own header (no cuobjdump here): a 16-byte header
// (magic 0xBA55ED50, version, header size, payload size), then entries, each with a header giving its kind
// (1 = PTX, 2 = ELF cubin), header size, payload size and, at byte 28, the architecture (80, 90).
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class FatbinTest {
    record Entry(int kind, int arch, byte[] payload) {
        String label() { return (kind == 1 ? "PTX compute_" : kind == 2 ? "ELF sm_" : "kind" + kind + " ") + arch; }
    }

    static List<Entry> parse(byte[] fatbin) {
        ByteBuffer b = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xBA55ED50, b.getInt(0), "fatbin magic");
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long payload = b.getLong(8);
        assertEquals(fatbin.length, headerSize + payload, "fatbin size in its header");
        List<Entry> entries = new ArrayList<>();
        long off = headerSize;
        while (off < fatbin.length) {
            int o = Math.toIntExact(off);
            int kind = Short.toUnsignedInt(b.getShort(o));
            int entryHeader = b.getInt(o + 4);
            long size = b.getLong(o + 8);
            int arch = b.getInt(o + 28);
            byte[] data = new byte[Math.toIntExact(size)];
            System.arraycopy(fatbin, o + entryHeader, data, 0, data.length);
            entries.add(new Entry(kind, arch, data));
            off += entryHeader + size;
        }
        return entries;
    }

    @Test
    void holdsSm80Sm90AndCompute90PtxWithEveryProductionKernel() throws Exception {
        List<Entry> entries = parse(CudaBuildSupport.resource("cuda/lethe.fatbin"));
        Set<String> labels = new TreeSet<>();
        for (Entry e : entries) labels.add(e.label());
        assertEquals(new TreeSet<>(List.of("ELF sm_80", "ELF sm_90", "PTX compute_90")), labels);

        List<KernelResources> report = KernelResources.read(new ByteArrayInputStream(CudaBuildSupport.resource(KernelResources.RESOURCE)));
        Set<String> kernels = new TreeSet<>();
        report.forEach(r -> kernels.add(r.kernel()));
        assertFalse(kernels.isEmpty(), "the resource report names no kernel");
        for (Entry e : entries) {
            if (e.kind() != 2) continue;  // the PTX is compressed; the cubins are plain ELF
            assertEquals(0x7f, e.payload()[0] & 0xff, e.label() + " is an ELF image");
            String elf = new String(e.payload(), StandardCharsets.ISO_8859_1);
            for (String k : kernels) assertTrue(elf.contains(k + "\0"), e.label() + " lacks kernel " + k);
            assertFalse(elf.contains("broken_") || elf.contains("emu_warp_ops"), e.label() + " contains an emulator test kernel");
        }
    }
}
