// One C function as Lethe binds it through FFM: the exported symbol (the name a header's #define maps the API name
// to, e.g. cuMemAlloc -> cuMemAlloc_v2) and its FunctionDescriptor. The bindings keep these as data (CudaDriver.FUNCTIONS,
// CublasLibrary.FUNCTIONS, CudnnLibrary.FUNCTIONS) so that a test can check every one against the C prototypes of the
// vendor's header; bindAll loads a library and binds such a list, the one way every binding does it.
package ai.lethe.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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

    /** The handles of a list of functions bound from one library (by identity: callers look them up per call), or why not. */
    public record Binding(Map<NativeFunction, MethodHandle> handles, String reason) {
        public boolean bound() { return handles != null; }
    }

    /**
     * Loads {@code library} (a soname or a path) and binds every one of {@code functions}. Never throws: a missing
     * library is "LIBRARY not found" + {@code notFoundHint}, missing symbols "LIBRARY lacks A, B" + {@code missingHint},
     * any other failure "cannot load/bind LIBRARY: ...".
     */
    static Binding bindAll(String library, List<NativeFunction> functions, String notFoundHint, String missingHint) {
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            return new Binding(null, library + " not found" + notFoundHint);
        } catch (RuntimeException | LinkageError e) {
            return new Binding(null, "cannot load " + library + ": " + e);
        }
        try {
            Linker linker = Linker.nativeLinker();
            Map<NativeFunction, MethodHandle> handles = new IdentityHashMap<>();
            List<String> missing = new ArrayList<>();
            for (NativeFunction f : functions) {
                var symbol = lookup.find(f.symbol());
                if (symbol.isEmpty()) missing.add(f.symbol());
                else handles.put(f, linker.downcallHandle(symbol.get(), f.descriptor()));
            }
            if (!missing.isEmpty()) return new Binding(null, library + " lacks " + String.join(", ", missing) + missingHint);
            return new Binding(handles, null);
        } catch (RuntimeException | LinkageError e) {
            return new Binding(null, "cannot bind " + library + ": " + e);
        }
    }
}
