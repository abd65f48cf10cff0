// Every FFM descriptor of the driver API that CudaDriver binds is checked against its prototype in the toolkit's
// cuda.h: the symbol after the header's #define versioning (cuMemAlloc -> cuMemAlloc_v2, no per-thread _ptsz), the
// arity, each argument's and the return type's layout. The check itself is shown to catch wrong bindings (a stale
// unversioned name, a pointer where the header has a CUdeviceptr, a missing argument, a wrong return type, an int
// for an unsigned char), and the cuda.h constants CudaDriver uses are compared with the header's enums.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CudaDriverDescriptorTest {
    private static final ValueLayout A = ValueLayout.ADDRESS, I = ValueLayout.JAVA_INT, J = ValueLayout.JAVA_LONG;

    @Test
    void everyDriverDescriptorMatchesItsPrototypeInCudaH() throws Exception {
        CHeader h = CudaHeaders.cudaH();
        List<String> problems = new ArrayList<>();
        for (NativeFunction f : CudaDriver.FUNCTIONS) problems.addAll(DescriptorCheck.problems(h, f));
        assertEquals(List.of(), problems, "CudaDriver's descriptors vs cuda.h");
        assertTrue(CudaDriver.FUNCTIONS.size() >= 44, "the table lists " + CudaDriver.FUNCTIONS.size() + " functions");
    }

    @Test
    void theTableHoldsEveryDeclaredFunctionOnce() throws Exception {
        Set<NativeFunction> declared = new HashSet<>();
        for (Field f : CudaDriver.class.getDeclaredFields())
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == NativeFunction.class) declared.add((NativeFunction) f.get(null));
        assertEquals(declared, new HashSet<>(CudaDriver.FUNCTIONS), "every NativeFunction constant is in FUNCTIONS");
        Set<String> symbols = new HashSet<>();
        for (NativeFunction f : CudaDriver.FUNCTIONS) assertTrue(symbols.add(f.symbol()), "listed twice: " + f.symbol());
    }

    @Test
    void theHeaderReaderFollowsCudaHsVersioning() throws Exception {
        CHeader h = CudaHeaders.cudaH();
        assertEquals("cuMemAlloc_v2", h.symbolOf("cuMemAlloc"));
        assertEquals("cuMemcpyHtoDAsync_v2", h.symbolOf("cuMemcpyHtoDAsync"), "through __CUDA_API_PTSZ, not _ptsz");
        assertEquals("cuLaunchKernel", h.symbolOf("cuLaunchKernel"), "per-thread-stream #defines are inactive");
        assertEquals("cuEventElapsedTime_v2", h.symbolOf("cuEventElapsedTime"));
        assertTrue(h.prototype("cuMemAlloc").isEmpty(), "the CUDA 3.2 cuMemAlloc (unsigned int bytes) is internal-only");
        assertEquals(List.of("CUdeviceptr *dptr", "size_t bytesize"), h.prototype("cuMemAlloc_v2").orElseThrow().params());
        assertEquals(ValueLayout.JAVA_LONG, h.layoutOf("CUdeviceptr").orElseThrow());
        assertEquals(ValueLayout.ADDRESS, h.layoutOf("CUstream").orElseThrow());
        assertEquals(ValueLayout.JAVA_INT, h.layoutOf("CUdevice").orElseThrow());
        assertEquals(ValueLayout.JAVA_INT, h.layoutOf("CUresult").orElseThrow());
    }

    /** The reader understands all of cuda.h: every parameter of every prototype maps, but for structs by value. */
    @Test
    void theHeaderReaderMapsEveryTypeOfCudaH() throws Exception {
        CHeader h = CudaHeaders.cudaH();
        assertTrue(h.prototypes().size() > 400, h.prototypes().size() + " prototypes read from cuda.h");
        List<String> unmapped = new ArrayList<>();
        for (CHeader.Prototype p : h.prototypes()) {
            h.layoutOf(p.returnType());
            for (String param : p.params()) {
                try {
                    h.layoutOf(CHeader.parameterType(param));
                } catch (IllegalArgumentException e) {
                    if (!e.getMessage().contains("by value")) unmapped.add(p.symbol() + ": " + param + ": " + e.getMessage());
                }
            }
        }
        assertEquals(List.of(), unmapped);
    }

    /** Deliberately wrong bindings, each with the words its problem must contain. */
    @Test
    void theCheckCatchesWrongDescriptors() throws Exception {
        CHeader h = CudaHeaders.cudaH();
        Map<NativeFunction, String> wrong = Map.of(
                NativeFunction.of("cuMemAlloc", I, A, J), "#defines cuMemAlloc to cuMemAlloc_v2",
                NativeFunction.of("cuMemcpyHtoDAsync_v2", I, A, A, J, A), "argument 0 'CUdeviceptr dstDevice' is long(8), bound as MemorySegment(8)",
                NativeFunction.of("cuMemsetD32Async", I, J, I, J), "4 parameters in the header, 3 bound",
                new NativeFunction("cuEventElapsedTime_v2", FunctionDescriptor.of(J, A, A, A)), "returns CUresult = int(4), bound as long(8)",
                NativeFunction.of("cuMemsetD8Async", I, J, I, J, A), "argument 1 'unsigned char uc' is byte(1), bound as int(4)",
                NativeFunction.of("cuDeviceTotalMem_v2", I, A, J), "argument 1 'CUdevice dev' is int(4), bound as long(8)",
                new NativeFunction("cuCtxSynchronize", FunctionDescriptor.ofVoid()), "returns CUresult = int(4), bound as void",
                NativeFunction.of("cuNoSuchFunction", I), "cuNoSuchFunction: no such symbol");
        wrong.forEach((f, expected) -> {
            List<String> problems = DescriptorCheck.problems(h, f);
            assertFalse(problems.isEmpty(), "the wrong binding " + f + " passed the check");
            assertTrue(String.join("\n", problems).contains(expected), f + ": expected a problem saying '" + expected + "', got " + problems);
        });
    }

    @Test
    void cudaHConstantsMatchTheHeader() throws Exception {
        CHeader h = CudaHeaders.cudaH();
        int checked = 0;
        for (Field f : CudaDriver.class.getDeclaredFields()) {
            if (!f.getName().startsWith("CU_") || f.getType() != int.class) continue;
            assertEquals(h.constant(f.getName()).orElseThrow(() -> new AssertionError(f.getName() + " is not in cuda.h")),
                    (long) f.getInt(null), f.getName());
            checked++;
        }
        assertEquals(10, checked, "constants checked");
    }
}
