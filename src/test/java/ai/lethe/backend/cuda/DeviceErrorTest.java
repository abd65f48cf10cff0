// Data-dependent errors found on the device (cuda-kernels/device_error.cuh through CudaContext.deviceError): a kernel
// that meets an index out of range records the first one, and the backend's next synchronisation (also inside read)
// throws an IndexOutOfBoundsException naming the op, the value and the bound, then clears the buffer; launches
// without errors report nothing. The test kernel emu_check_indices (cuda-kernels/tests/) checks indices.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class DeviceErrorTest {
    private static void check(CudaContext c, String op, View index, long bound) {
        CudaContext.DeviceError e = c.deviceError(op);
        c.launch1d("emu_check_indices", index.numel(), new KernelArgs().pointer(c.elementPointer(op, index))
                .i64(index.numel()).i64(bound).pointer(e.buffer()).i64(e.tag()));
    }

    @Test void theFirstBadIndexIsReportedAtTheNextSynchronisationNamingTheOp() {
        CudaBackend b = (CudaBackend) CudaBackendTest.emu();
        CudaContext c = b.context();
        Storage s = b.allocate(8 * 6);
        try {
            View index = new View(s, DType.INT64, 0, new long[] {6}, new long[] {1});
            b.write(MemorySegment.ofArray(new long[] {0, 3, 4, 9, 2, -1}), index);
            View firstFive = new View(s, DType.INT64, 0, new long[] {5}, new long[] {1});
            check(c, "indexSelect", firstFive, 10);   // all in range
            check(c, "gather", index, 5);         // 9 (element 3) and -1 (element 5) are out of [0, 5)
            var e = assertThrows(IndexOutOfBoundsException.class, c::synchronize);
            assertTrue(e.getMessage().startsWith("gather: index "), e.getMessage());
            assertTrue(e.getMessage().contains("is out of range [0, 5)"), e.getMessage());
            assertTrue(e.getMessage().contains("index 9 ") || e.getMessage().contains("index -1 "), e.getMessage());
            assertDoesNotThrow(c::synchronize, "the error was cleared");
            check(c, "scatterAdd", index, 10);
            var again = assertThrows(IndexOutOfBoundsException.class,
                    () -> b.read(index, MemorySegment.ofArray(new long[6])), "read synchronises, and reports");
            assertEquals("scatterAdd: index -1 is out of range [0, 10) (element 5 of the index; found on cuda-emu, "
                    + "reported at the next synchronisation)", again.getMessage());
            check(c, "indexAdd", firstFive, 10);
            assertDoesNotThrow(c::synchronize);
        } finally {
            s.release();
        }
    }
}
