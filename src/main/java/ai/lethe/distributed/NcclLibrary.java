// NVIDIA's NCCL (libnccl.so.2) through FFM (no JNI): the downcall handles NcclCommunicator calls. Every descriptor
// and constant below was checked against NCCL's public header, src/nccl.h.in of github.com/NVIDIA/nccl (read at
// commit 021e8045ff77a8a9fba909617a0129d3c3d44def); the quoted declarations are that file's:
//   #define NCCL_UNIQUE_ID_BYTES 128
//   typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;       -> a 128-byte struct, by value
//   typedef struct ncclComm* ncclComm_t;                                          -> a pointer
//   typedef enum { ncclSuccess = 0, ..., ncclInProgress = 7, ... } ncclResult_t;  -> int
//   typedef enum { ncclSum = 0, ... } ncclRedOp_t;                                -> int
//   typedef enum { ..., ncclFloat32 = 7, ncclFloat64 = 8, ... } ncclDataType_t;   -> int
//   ncclResult_t ncclGetVersion(int *version);
//   ncclResult_t ncclGetUniqueId(ncclUniqueId* uniqueId);
//   ncclResult_t ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId commId, int rank);
//   ncclResult_t ncclCommDestroy(ncclComm_t comm);
//   const char*  ncclGetErrorString(ncclResult_t result);
//   ncclResult_t ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype,
//                              ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream);
//   ncclResult_t ncclBroadcast(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype,
//                              int root, ncclComm_t comm, cudaStream_t stream);
//   ncclResult_t ncclGroupStart();  ncclResult_t ncclGroupEnd();
// (cudaStream_t is a pointer, the same handle as the driver API's CUstream the CUDA backend holds.) In-place
// operation is sendbuff == recvbuff for both collectives. NcclLibraryTest checks these constants and layouts.
package ai.lethe.distributed;

import ai.lethe.core.LetheException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

final class NcclLibrary {
    static final String SONAME = "libnccl.so.2";
    static final int UNIQUE_ID_BYTES = 128;
    /** ncclUniqueId: struct { char internal[128]; }, passed by value to ncclCommInitRank. */
    static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, ValueLayout.JAVA_BYTE).withName("internal")).withName("ncclUniqueId");
    static final int NCCL_SUCCESS = 0, NCCL_IN_PROGRESS = 7;
    static final int NCCL_SUM = 0;
    static final int NCCL_FLOAT32 = 7, NCCL_FLOAT64 = 8;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;   // size_t on linux-x86_64

    static final FunctionDescriptor GET_VERSION = FunctionDescriptor.of(INT, ADDR);
    static final FunctionDescriptor GET_UNIQUE_ID = FunctionDescriptor.of(INT, ADDR);
    static final FunctionDescriptor COMM_INIT_RANK = FunctionDescriptor.of(INT, ADDR, INT, UNIQUE_ID, INT);
    static final FunctionDescriptor COMM_DESTROY = FunctionDescriptor.of(INT, ADDR);
    static final FunctionDescriptor GET_ERROR_STRING = FunctionDescriptor.of(ADDR, INT);
    static final FunctionDescriptor ALL_REDUCE = FunctionDescriptor.of(INT, ADDR, ADDR, SIZE_T, INT, INT, ADDR, ADDR);
    static final FunctionDescriptor BROADCAST = FunctionDescriptor.of(INT, ADDR, ADDR, SIZE_T, INT, INT, ADDR, ADDR);
    static final FunctionDescriptor GROUP = FunctionDescriptor.of(INT);

    final MethodHandle getVersion, getUniqueId, commInitRank, commDestroy, getErrorString, allReduce, broadcast,
            groupStart, groupEnd;

    private NcclLibrary(SymbolLookup lib) {
        getVersion = fn(lib, "ncclGetVersion", GET_VERSION);
        getUniqueId = fn(lib, "ncclGetUniqueId", GET_UNIQUE_ID);
        commInitRank = fn(lib, "ncclCommInitRank", COMM_INIT_RANK);
        commDestroy = fn(lib, "ncclCommDestroy", COMM_DESTROY);
        getErrorString = fn(lib, "ncclGetErrorString", GET_ERROR_STRING);
        allReduce = fn(lib, "ncclAllReduce", ALL_REDUCE);
        broadcast = fn(lib, "ncclBroadcast", BROADCAST);
        groupStart = fn(lib, "ncclGroupStart", GROUP);
        groupEnd = fn(lib, "ncclGroupEnd", GROUP);
    }

    private static MethodHandle fn(SymbolLookup lib, String name, FunctionDescriptor d) {
        MemorySegment address = lib.find(name).orElseThrow(() -> new LetheException(SONAME + " exports no " + name
                + " (NCCL 2.x needed)"));
        return LINKER.downcallHandle(address, d);
    }

    private sealed interface Loaded permits Ok, Missing {}
    private record Ok(NcclLibrary library) implements Loaded {}
    private record Missing(String reason) implements Loaded {}

    private static volatile Loaded loaded;

    static NcclLibrary get() {
        return switch (load()) {
            case Ok ok -> ok.library();
            case Missing m -> throw new LetheException(m.reason());
        };
    }

    /** Null when libnccl.so.2 loads, else why not. */
    static String unavailableReason() { return load() instanceof Missing m ? m.reason() : null; }

    private static synchronized Loaded load() {
        if (loaded == null) {
            try {
                loaded = new Ok(new NcclLibrary(SymbolLookup.libraryLookup(SONAME, Arena.global())));
            } catch (IllegalArgumentException e) {
                loaded = new Missing("cannot load NVIDIA's " + SONAME + " (" + e.getMessage() + "): NCCL is installed with the "
                        + "CUDA toolkit's libnccl2 package (or pip's nvidia-nccl-cu13) on GPU machines; without it, cuda ranks cannot "
                        + "use NCCL");
            } catch (LetheException e) {
                loaded = new Missing(e.getMessage());
            }
        }
        return loaded;
    }

    /** "2.27.3" from ncclGetVersion's code (major*10000 + minor*100 + patch since 2.9; major*1000 + minor*100 + patch before). */
    String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(INT);
            check((int) getVersion.invokeExact(v), "ncclGetVersion");
            return versionString(v.get(INT, 0));
        } catch (LetheException e) {
            throw e;
        } catch (Throwable t) {
            throw new LetheException("ncclGetVersion failed: " + t, t);
        }
    }

    /** NCCL_VERSION(X,Y,Z) of nccl.h.in decoded: X*1000+Y*100+Z when X <= 2 and Y <= 8, else X*10000+Y*100+Z. */
    static String versionString(int code) {
        if (code < 20900) return code / 1000 + "." + (code % 1000) / 100 + "." + code % 100;
        return code / 10000 + "." + (code % 10000) / 100 + "." + code % 100;
    }

    /** ncclGetErrorString's text. */
    String describe(int code) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(code);
            if (s.equals(MemorySegment.NULL)) return "ncclResult " + code;
            return s.reinterpret(1024).getString(0) + " (ncclResult " + code + ")";
        } catch (Throwable t) {
            return "ncclResult " + code;
        }
    }

    void check(int rc, String call) {
        if (rc != NCCL_SUCCESS) throw new LetheException(call + " failed: " + describe(rc));
    }
}
