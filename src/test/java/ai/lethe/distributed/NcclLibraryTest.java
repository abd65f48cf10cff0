// The NCCL binding's descriptors against nccl.h.in (NVIDIA/nccl, src/nccl.h.in; see NcclLibrary's header for the
// quoted declarations): ncclUniqueId is 128 bytes passed by value, the enum values, size_t and pointer widths,
// the version decoding of NCCL_VERSION; and, on this machine without libnccl, that the library is reported
// missing with a reason rather than crashing. (NCCL's collectives run only on GPUs: benchmarks/gpu/device-check.)
package ai.lethe.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.DType;
import ai.lethe.core.LetheException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

class NcclLibraryTest {

    @Test
    void descriptorsMatchTheHeader() {
        // typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;  NCCL_UNIQUE_ID_BYTES 128
        assertEquals(128, NcclLibrary.UNIQUE_ID.byteSize());
        assertEquals(1, NcclLibrary.UNIQUE_ID.byteAlignment());
        // ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId commId, int rank): the id by value
        List<MemoryLayout> init = NcclLibrary.COMM_INIT_RANK.argumentLayouts();
        assertEquals(List.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, NcclLibrary.UNIQUE_ID, ValueLayout.JAVA_INT), init);
        // ncclAllReduce(const void*, void*, size_t, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t)
        assertEquals(List.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), NcclLibrary.ALL_REDUCE.argumentLayouts());
        // ncclBroadcast(const void*, void*, size_t, ncclDataType_t, int root, ncclComm_t, cudaStream_t)
        assertEquals(NcclLibrary.ALL_REDUCE.argumentLayouts(), NcclLibrary.BROADCAST.argumentLayouts());
        assertEquals(8, ValueLayout.JAVA_LONG.byteSize());   // size_t on linux-x86_64
        assertEquals(8, ValueLayout.ADDRESS.byteSize());
        // ncclResult_t ncclGroupStart(); ncclGroupEnd(); -> int, no arguments
        assertTrue(NcclLibrary.GROUP.argumentLayouts().isEmpty());
        assertEquals(ValueLayout.JAVA_INT, NcclLibrary.GROUP.returnLayout().orElseThrow());
        // const char* ncclGetErrorString(ncclResult_t)
        assertEquals(ValueLayout.ADDRESS, NcclLibrary.GET_ERROR_STRING.returnLayout().orElseThrow());
        // the enums: ncclSuccess = 0, ncclInProgress = 7; ncclSum = 0; ncclFloat32 = 7, ncclFloat64 = 8
        assertEquals(0, NcclLibrary.NCCL_SUCCESS);
        assertEquals(7, NcclLibrary.NCCL_IN_PROGRESS);
        assertEquals(0, NcclLibrary.NCCL_SUM);
        assertEquals(7, NcclCommunicator.ncclType(DType.FLOAT32));
        assertEquals(8, NcclCommunicator.ncclType(DType.FLOAT64));
        assertThrows(IllegalArgumentException.class, () -> NcclCommunicator.ncclType(DType.INT64));
    }

    @Test
    void versionCodes() {
        // NCCL_VERSION(X,Y,Z): X*1000 + Y*100 + Z when X <= 2 and Y <= 8, else X*10000 + Y*100 + Z
        assertEquals("2.8.4", NcclLibrary.versionString(2804));
        assertEquals("2.27.3", NcclLibrary.versionString(22703));
        assertEquals("2.9.6", NcclLibrary.versionString(20906));
    }

    @Test
    void missingLibraryIsReportedWithAReason() {
        String why = NcclCommunicator.unavailableReason();
        if (why == null) {
            assertNotNull(NcclCommunicator.libraryVersion());   // a machine with NCCL: it loads and answers
            return;
        }
        assertTrue(why.contains("libnccl.so.2"), why);
        LetheException e = assertThrows(LetheException.class, NcclCommunicator::libraryVersion);
        assertEquals(why, e.getMessage());
    }
}
