// One C function as Lethe binds it through FFM: the exported symbol (the name a header's #define maps the API name
// to, e.g. cuMemAlloc -> cuMemAlloc_v2) and its FunctionDescriptor. The bindings keep these as data (CudaDriver.FUNCTIONS,
// CublasLibrary.FUNCTIONS) so that a test can check every one against the C prototypes of the vendor's header.
package ai.lethe.backend.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.util.Objects;

/** A native function: its symbol and FFM descriptor. */
public record NativeFunction(String symbol, FunctionDescriptor descriptor) {
    public NativeFunction {
        Objects.requireNonNull(symbol, "symbol");
        Objects.requireNonNull(descriptor, "descriptor");
    }

    /** A function returning {@code result} (an int status for every CUDA and cuBLAS call). */
    public static NativeFunction of(String symbol, MemoryLayout result, MemoryLayout... args) {
        return new NativeFunction(symbol, FunctionDescriptor.of(result, args));
    }

    @Override
    public String toString() { return symbol + descriptor; }
}
