// CudaStatus's CUresult names are exactly cuda.h's enum cudaError_enum (every code, both ways), and a code the
// table lacks (a newer driver's) still gets a name that shows its number.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CudaStatusTest {
    @Test
    void theNameTableIsCudaHsCudaErrorEnum() throws Exception {
        Map<String, Long> header = CudaHeaders.cudaH().enumConstants("cudaError_enum");
        Map<String, Long> table = new LinkedHashMap<>();
        CudaStatus.names().forEach((code, name) -> table.put(name, (long) code));
        assertEquals(header, table, "CudaStatus vs enum cudaError_enum of cuda.h");
        assertEquals(101, table.size());
    }

    @Test
    void namesOfCodes() throws Exception {
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", CudaStatus.nameOrNumber(CudaStatus.CUDA_ERROR_OUT_OF_MEMORY));
        assertEquals("CUDA_ERROR_NO_DEVICE", CudaStatus.nameOrNumber(CudaStatus.CUDA_ERROR_NO_DEVICE));
        assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", CudaStatus.nameOrNumber(700));
        assertEquals("CUresult 123456", CudaStatus.nameOrNumber(123456));
        CHeader h = CudaHeaders.cudaH();
        for (var f : CudaStatus.class.getDeclaredFields())
            if (f.getName().startsWith("CUDA_") && f.getType() == int.class)
                assertEquals(h.constant(f.getName()).orElseThrow(), (long) f.getInt(null), f.getName());
    }
}
