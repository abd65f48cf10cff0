// FatbinImage reads the jar's fatbin as the NVIDIA runtime uses it: its architectures (cubins, then PTX), which
// devices it can run on (a cubin of the same major and no higher minor; PTX of no higher capability), and it
// refuses bytes that are not a whole fatbin.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FatbinImageTest {
    @Test
    void theJarsFatbin() throws Exception {
        FatbinImage f = FatbinImage.of(CudaBuildSupport.resource(FatbinImage.RESOURCE));
        assertEquals(List.of("sm_80", "sm_90", "compute_90"), f.architectures());
        assertTrue(f.runsOn(8, 0) && f.runsOn(8, 6) && f.runsOn(8, 9), "sm_80 code runs on 8.x");
        assertTrue(f.runsOn(9, 0), "sm_90");
        assertTrue(f.runsOn(10, 0) && f.runsOn(12, 0), "compute_90 PTX JIT-compiles for newer devices");
        assertFalse(f.runsOn(7, 5), "no code for Turing");
        assertEquals(f.bytes().length, FatbinImage.fromClassPath(getClass().getClassLoader()).bytes().length);
    }

    @Test
    void notAFatbin() throws Exception {
        byte[] real = CudaBuildSupport.resource(FatbinImage.RESOURCE);
        assertThrows(IllegalArgumentException.class, () -> FatbinImage.of(new byte[64]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FatbinImage.of(Arrays.copyOf(real, real.length - 1)));
        assertTrue(e.getMessage().startsWith("a truncated fatbin"), e.getMessage());
    }
}
