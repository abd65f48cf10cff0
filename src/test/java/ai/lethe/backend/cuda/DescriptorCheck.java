// Compares an FFM binding (NativeFunction: symbol + FunctionDescriptor) with the C prototype a vendor header
// declares for that symbol: the symbol must be one the header declares after its #define versioning (a binding to
// "cuMemAlloc" is wrong where cuda.h maps cuMemAlloc to cuMemAlloc_v2), and arity, every argument and the return
// type must have the layout CHeader maps the C type to (compared by carrier and size, names ignored).
package ai.lethe.backend.cuda;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

final class DescriptorCheck {
    private DescriptorCheck() {}

    /** Where the binding departs from the header; empty when it matches. */
    static List<String> problems(CHeader header, NativeFunction f) {
        List<String> problems = new ArrayList<>();
        var proto = header.prototype(f.symbol());
        if (proto.isEmpty()) {
            String mapped = header.symbolOf(f.symbol());
            problems.add(f.symbol() + ": no such symbol in the header"
                    + (mapped.equals(f.symbol()) ? "" : " (the header #defines " + f.symbol() + " to " + mapped + ")"));
            return problems;
        }
        CHeader.Prototype p = proto.get();
        String where = f.symbol() + " (declared as " + p.declaredName() + p.params() + ")";
        try {
            Optional<MemoryLayout> ret = header.layoutOf(p.returnType());
            Optional<MemoryLayout> declaredRet = f.descriptor().returnLayout();
            if (!same(ret, declaredRet))
                problems.add(where + ": returns " + p.returnType() + " = " + show(ret) + ", bound as " + show(declaredRet));
        } catch (IllegalArgumentException e) {
            problems.add(where + ": return type: " + e.getMessage());
        }
        List<MemoryLayout> args = f.descriptor().argumentLayouts();
        if (args.size() != p.params().size()) {
            problems.add(where + ": " + p.params().size() + " parameters in the header, " + args.size() + " bound");
            return problems;
        }
        for (int i = 0; i < args.size(); i++) {
            String param = p.params().get(i);
            try {
                Optional<MemoryLayout> c = header.layoutOf(CHeader.parameterType(param));
                if (!same(c, Optional.of(args.get(i))))
                    problems.add(where + ": argument " + i + " '" + param + "' is " + show(c) + ", bound as " + show(Optional.of(args.get(i))));
            } catch (IllegalArgumentException e) {
                problems.add(where + ": argument " + i + " '" + param + "': " + e.getMessage());
            }
        }
        return problems;
    }

    private static boolean same(Optional<MemoryLayout> a, Optional<MemoryLayout> b) {
        if (a.isEmpty() || b.isEmpty()) return a.isEmpty() && b.isEmpty();
        if (!(a.get() instanceof ValueLayout va) || !(b.get() instanceof ValueLayout vb)) return false;
        return va.carrier() == vb.carrier() && va.byteSize() == vb.byteSize();
    }

    private static String show(Optional<MemoryLayout> l) {
        if (l.isEmpty()) return "void";
        return l.get() instanceof ValueLayout v ? v.carrier().getSimpleName() + "(" + v.byteSize() + ")" : l.get().toString();
    }
}
