// Open MPI's libmpi.so.40 through FFM (no JNI): the downcall handles of the MPI functions MpiCommunicator calls and
// the predefined handles it passes. Every fact below was read from Open MPI 4.1's header, Debian's
// /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h (package libopenmpi-dev 4.1.4); line numbers are that file's.
//
// Open MPI's handles are pointers: MPI_Comm, MPI_Datatype, MPI_Op, MPI_Request and MPI_Errhandler are typedefs of
// pointers to opaque structs (mpi.h:419-426), and the predefined ones are the addresses of global objects the
// library exports (OMPI_PREDEFINED_GLOBAL(type, global) is ((type) &(global)), mpi.h:400-405):
//   MPI_COMM_WORLD    = &ompi_mpi_comm_world     (mpi.h:1140, declared at mpi.h:979)
//   MPI_FLOAT         = &ompi_mpi_float          (mpi.h:1170, mpi.h:1022)
//   MPI_DOUBLE        = &ompi_mpi_double         (mpi.h:1171, mpi.h:1023)
//   MPI_BYTE          = &ompi_mpi_byte           (mpi.h:1164)
//   MPI_SUM           = &ompi_mpi_op_sum         (mpi.h:1149, mpi.h:994)
//   MPI_ERRORS_RETURN = &ompi_mpi_errors_return  (mpi.h:1283, mpi.h:1099)
// so SymbolLookup.find(name) gives the handle itself. Other implementations (MPICH: integer handles) are not
// bindable this way; this class names Open MPI's soname and nothing else.
package ai.lethe.distributed;

import ai.lethe.core.LetheException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

final class MpiLibrary {
    /** Open MPI 4.x's soname (Debian's libopenmpi3 package ships libmpi.so.40). */
    static final String SONAME = "libmpi.so.40";
    /** mpi.h:612: #define MPI_SUCCESS 0. */
    static final int MPI_SUCCESS = 0;
    /**
     * mpi.h:708-713: enum { MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED, MPI_THREAD_MULTIPLE },
     * so 0, 1, 2, 3.
     */
    static final int MPI_THREAD_SINGLE = 0, MPI_THREAD_FUNNELED = 1, MPI_THREAD_SERIALIZED = 2, MPI_THREAD_MULTIPLE = 3;
    /** mpi.h:518: #define MPI_IN_PLACE ((void *) 1). */
    static final MemorySegment MPI_IN_PLACE = MemorySegment.ofAddress(1);
    /** mpi.h:873-874: MPI_STATUS_IGNORE and MPI_STATUSES_IGNORE are ((MPI_Status *) 0). */
    static final MemorySegment MPI_STATUS_IGNORE = MemorySegment.NULL;
    /** mpi.h:505: MPI_MAX_LIBRARY_VERSION_STRING 256. */
    static final int MAX_LIBRARY_VERSION_STRING = 256;
    /** mpi.h:503 MPI_MAX_ERROR_STRING = OPAL_MAX_ERROR_STRING, mpi.h:85: 256. */
    static final int MAX_ERROR_STRING = 256;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    // handles (addresses of exported globals, see the header comment)
    final MemorySegment commWorld, floatType, doubleType, byteType, opSum, errorsReturn;
    // int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)          mpi.h:1639
    final MethodHandle initThread;
    // int MPI_Initialized(int *flag) mpi.h:1638; int MPI_Finalized(int *flag) mpi.h:1551; int MPI_Finalize(void) mpi.h:1550
    final MethodHandle initialized, finalized, finalizeCall;
    // int MPI_Comm_rank(MPI_Comm, int *) mpi.h:1421; int MPI_Comm_size(MPI_Comm, int *) mpi.h:1428
    final MethodHandle commRank, commSize;
    // int MPI_Comm_set_errhandler(MPI_Comm, MPI_Errhandler)                               mpi.h:1425
    final MethodHandle commSetErrhandler;
    // int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype, MPI_Op, MPI_Comm)   mpi.h:1321
    final MethodHandle allreduce;
    // int MPI_Iallreduce(const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm, MPI_Request *)     mpi.h:1323
    final MethodHandle iallreduce;
    // int MPI_Bcast(void *buffer, int count, MPI_Datatype, int root, MPI_Comm)                         mpi.h:1345
    final MethodHandle bcast;
    // int MPI_Barrier(MPI_Comm)                                                           mpi.h:1343
    final MethodHandle barrier;
    // int MPI_Wait(MPI_Request *, MPI_Status *) mpi.h:1903; int MPI_Waitall(int, MPI_Request[], MPI_Status[]) mpi.h:1899
    final MethodHandle waitCall, waitall;
    // int MPI_Error_string(int errorcode, char *string, int *resultlen)                  mpi.h:1447
    final MethodHandle errorString;
    // int MPI_Get_library_version(char *version, int *resultlen)                          mpi.h:1577
    final MethodHandle libraryVersion;

    private MpiLibrary(SymbolLookup lib) {
        commWorld = symbol(lib, "ompi_mpi_comm_world");
        floatType = symbol(lib, "ompi_mpi_float");
        doubleType = symbol(lib, "ompi_mpi_double");
        byteType = symbol(lib, "ompi_mpi_byte");
        opSum = symbol(lib, "ompi_mpi_op_sum");
        errorsReturn = symbol(lib, "ompi_mpi_errors_return");
        initThread = fn(lib, "MPI_Init_thread", INT, ADDR, ADDR, INT, ADDR);
        initialized = fn(lib, "MPI_Initialized", INT, ADDR);
        finalized = fn(lib, "MPI_Finalized", INT, ADDR);
        finalizeCall = fn(lib, "MPI_Finalize", INT);
        commRank = fn(lib, "MPI_Comm_rank", INT, ADDR, ADDR);
        commSize = fn(lib, "MPI_Comm_size", INT, ADDR, ADDR);
        commSetErrhandler = fn(lib, "MPI_Comm_set_errhandler", INT, ADDR, ADDR);
        allreduce = fn(lib, "MPI_Allreduce", INT, ADDR, ADDR, INT, ADDR, ADDR, ADDR);
        iallreduce = fn(lib, "MPI_Iallreduce", INT, ADDR, ADDR, INT, ADDR, ADDR, ADDR, ADDR);
        bcast = fn(lib, "MPI_Bcast", INT, ADDR, INT, ADDR, INT, ADDR);
        barrier = fn(lib, "MPI_Barrier", INT, ADDR);
        waitCall = fn(lib, "MPI_Wait", INT, ADDR, ADDR);
        waitall = fn(lib, "MPI_Waitall", INT, INT, ADDR, ADDR);
        errorString = fn(lib, "MPI_Error_string", INT, INT, ADDR, ADDR);
        libraryVersion = fn(lib, "MPI_Get_library_version", INT, ADDR, ADDR);
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new LetheException(SONAME + " exports no " + name
                + ": not Open MPI 4.x (Lethe binds Open MPI's ABI, whose handles are the addresses of such globals)"));
    }

    private static MethodHandle fn(SymbolLookup lib, String name, ValueLayout result, ValueLayout... args) {
        MemorySegment address = lib.find(name).orElseThrow(() -> new LetheException(SONAME + " exports no " + name));
        return LINKER.downcallHandle(address, FunctionDescriptor.of(result, args));
    }

    private sealed interface Loaded permits Ok, Missing {}
    private record Ok(MpiLibrary library) implements Loaded {}
    private record Missing(String reason) implements Loaded {}

    private static volatile Loaded loaded;

    /** The library, loaded once per process; a LetheException saying why (and what to install) if it cannot be. */
    static MpiLibrary get() {
        return switch (load()) {
            case Ok ok -> ok.library();
            case Missing m -> throw new LetheException(m.reason());
        };
    }

    /** Null when the library loads, else why not (for `lethe info`). */
    static String unavailableReason() {
        return load() instanceof Missing m ? m.reason() : null;
    }

    private static synchronized Loaded load() {
        if (loaded == null) {
            try {
                loaded = new Ok(new MpiLibrary(SymbolLookup.libraryLookup(SONAME, Arena.global())));
            } catch (IllegalArgumentException e) {
                loaded = new Missing("cannot load Open MPI's " + SONAME + " (" + e.getMessage()
                        + "); install it: apt-get install openmpi-bin libopenmpi-dev (tools/setup-mpi.sh)");
            } catch (LetheException e) {
                loaded = new Missing(e.getMessage());
            }
        }
        return loaded;
    }

    /**
     * MPI_Get_library_version's string, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...". MPI-3.0 allows
     * this call before MPI_Init and after MPI_Finalize, so `lethe info` may ask without joining a group.
     */
    String libraryVersionString() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(MAX_LIBRARY_VERSION_STRING);
            MemorySegment len = arena.allocate(INT);
            int rc = (int) libraryVersion.invokeExact(buf, len);
            if (rc != MPI_SUCCESS) throw new LetheException("MPI_Get_library_version failed with error code " + rc);
            return text(buf, len.get(INT, 0), MAX_LIBRARY_VERSION_STRING);
        } catch (LetheException e) {
            throw e;
        } catch (Throwable t) {
            throw new LetheException("MPI_Get_library_version failed: " + t, t);
        }
    }

    /** MPI_Error_string's text for {@code code}, or "error code N" when even that fails. */
    String describe(int code) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(MAX_ERROR_STRING);
            MemorySegment len = arena.allocate(INT);
            int rc = (int) errorString.invokeExact(code, buf, len);
            if (rc != MPI_SUCCESS) return "error code " + code;
            return text(buf, len.get(INT, 0), MAX_ERROR_STRING) + " (error code " + code + ")";
        } catch (Throwable t) {
            return "error code " + code;
        }
    }

    /** The first {@code length} bytes of {@code buf} (at most {@code max}) up to a NUL, as trimmed text. */
    private static String text(MemorySegment buf, int length, int max) {
        byte[] bytes = buf.asSlice(0, Math.clamp(length, 0, max)).toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8).strip();
    }

    /** Throws a LetheException naming {@code call} when {@code rc} is not MPI_SUCCESS. */
    void check(int rc, String call) {
        if (rc != MPI_SUCCESS) throw new LetheException(call + " failed: " + describe(rc));
    }
}
