// The base of every layer and model (torch.nn.Module). A module owns its parameters and buffers in its own
// detached Scope and holds its children in registration order; names, traversal order and state-dict keys
// are PyTorch's, so torchvision/timm state dicts load with no renaming. Layers read their tensors through
// the registry (parameter("weight")), never through cached fields, so to(Device) can replace them.
package ai.lethe.nn;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

public abstract class Module implements AutoCloseable {
    private final Scope scope;
    private final LinkedHashMap<String, Tensor> parameters = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> nonPersistent = new HashSet<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    private boolean closed;
    private final List<ForwardHook> forwardHooks = new ArrayList<>();
    private final List<ParameterUseHook> parameterUseHooks = new ArrayList<>();

    protected Module() {
        String simple = getClass().getSimpleName();
        this.scope = Scope.detached(simple.isEmpty() ? "Module" : simple);
    }

    /**
     * The computation of this module on {@code x}, followed by its forward hooks. Modules start in training
     * mode. Subclasses implement {@link #compute(Tensor)}.
     */
    public final Tensor forward(Tensor x) {
        checkOpen("forward");
        Tensor y = compute(x);
        if (!forwardHooks.isEmpty()) for (ForwardHook h : List.copyOf(forwardHooks)) h.after(this, x, y);
        return y;
    }

    /** What this module computes: each layer and model implements it; callers use {@link #forward(Tensor)}. */
    protected abstract Tensor compute(Tensor x);

    // ---- hooks ------------------------------------------------------------------------------------------

    /** A registered hook; closing it removes the hook. */
    public interface HookHandle extends AutoCloseable {
        @Override void close();
    }

    /** Calls {@code hook} after every forward of this module (not of its children). */
    public final HookHandle addForwardHook(ForwardHook hook) {
        forwardHooks.add(java.util.Objects.requireNonNull(hook, "hook"));
        return () -> forwardHooks.remove(hook);
    }

    /** Whether a forward hook is registered on this module (fused paths that skip an intermediate fall back then). */
    public final boolean hasForwardHooks() { return !forwardHooks.isEmpty(); }

    /** Calls {@code hook} wherever this module uses one of its own parameters directly (see ParameterUseHook). */
    public final HookHandle addParameterUseHook(ParameterUseHook hook) {
        parameterUseHooks.add(java.util.Objects.requireNonNull(hook, "hook"));
        return () -> parameterUseHooks.remove(hook);
    }

    /**
     * For modules that use a parameter directly: reports {@code batchTensor} (batch first; the parameter enters
     * it elementwise, broadcast over the batch) as the use site of parameter {@code name}, and returns it.
     */
    protected final Tensor parameterUse(String name, Tensor batchTensor) {
        if (!parameterUseHooks.isEmpty()) for (ParameterUseHook h : List.copyOf(parameterUseHooks)) h.used(this, name, batchTensor);
        return batchTensor;
    }

    // ---- registration -----------------------------------------------------------------------------------

    /**
     * Registers {@code t} as parameter {@code name}: it is marked requiresGrad and moves into this module's
     * own scope (it outlives any scope it was made in, and close() frees it). {@code null} registers an absent
     * parameter (PyTorch's {@code bias=None}): it keeps its name but appears in no listing. Registering a name
     * again replaces the old tensor (closed if this module owned it) and keeps its position. Returns {@code t}.
     */
    public final Tensor registerParameter(String name, Tensor t) {
        checkOpen("registerParameter");
        checkName("registerParameter", name, parameters);
        if (t != null) {
            t.checkOpen("registerParameter");
            if (!t.isLeaf())
                throw new IllegalArgumentException("registerParameter('" + name + "'): tensor is the output of " + t.gradFn().op()
                        + "; parameters must be leaf tensors (use detach())");
            if (!t.dtype().isFloatingPoint())
                throw new IllegalArgumentException("registerParameter('" + name + "'): parameters must be floating point, got " + t.dtype());
            scope.adopt(t);
            t.setRequiresGrad(true);
        }
        replace(parameters, name, t);
        return t;
    }

    /** Registers a persistent buffer (in the state dict, no gradient): running statistics, counters. */
    public final Tensor registerBuffer(String name, Tensor t) { return registerBuffer(name, t, true); }

    /**
     * Registers buffer {@code name}; a non-persistent buffer moves with the module but is left out of the
     * state dict. {@code null} registers an absent buffer. The tensor moves into this module's scope.
     */
    public final Tensor registerBuffer(String name, Tensor t, boolean persistent) {
        checkOpen("registerBuffer");
        checkName("registerBuffer", name, buffers);
        if (t != null) {
            t.checkOpen("registerBuffer");
            if (t.requiresGrad())
                throw new IllegalArgumentException("registerBuffer('" + name + "'): buffers do not take gradients; pass a detached tensor");
            scope.adopt(t);
        }
        replace(buffers, name, t);
        if (persistent) nonPersistent.remove(name); else nonPersistent.add(name);
        return t;
    }

    /** Registers {@code child} under {@code name} (replacing a child of that name in place). Returns it. */
    public final <M extends Module> M registerModule(String name, M child) {
        checkOpen("registerModule");
        checkName("registerModule", name, children);
        if (child == null) throw new IllegalArgumentException("registerModule('" + name + "'): child must not be null");
        if (child == this) throw new IllegalArgumentException("registerModule('" + name + "'): a module cannot be its own child");
        child.checkOpen("registerModule");
        children.put(name, child);
        return child;
    }

    private void checkName(String op, String name, Map<String, ?> sameKind) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException(op + ": name must not be empty");
        if (name.contains(".")) throw new IllegalArgumentException(op + ": name '" + name + "' must not contain '.'");
        for (Map<String, ?> kind : List.of(parameters, buffers, children))
            if (kind != sameKind && kind.containsKey(name))
                throw new IllegalArgumentException(op + ": '" + name + "' is already registered as a "
                        + (kind == parameters ? "parameter" : kind == buffers ? "buffer" : "child module") + " of " + reprName());
    }

    private void replace(Map<String, Tensor> kind, String name, Tensor t) {
        Tensor old = kind.put(name, t);
        if (old != null && old != t && old.owner() == scope) {
            old.zeroGrad();
            old.close();
        }
    }

    // ---- lookups ----------------------------------------------------------------------------------------

    /** Parameter {@code name} (dotted for descendants: "0.weight"); null if registered as absent. */
    public final Tensor parameter(String name) {
        checkOpen("parameter");
        Module owner = ownerOf(name);
        String leaf = leafName(name);
        if (!owner.parameters.containsKey(leaf))
            throw new IllegalArgumentException("parameter: " + owner.reprName() + " has no parameter '" + leaf + "' (has "
                    + owner.parameters.keySet() + ")");
        return owner.parameters.get(leaf);
    }

    /** Buffer {@code name} (dotted for descendants); null if registered as absent. */
    public final Tensor buffer(String name) {
        checkOpen("buffer");
        Module owner = ownerOf(name);
        String leaf = leafName(name);
        if (!owner.buffers.containsKey(leaf))
            throw new IllegalArgumentException("buffer: " + owner.reprName() + " has no buffer '" + leaf + "' (has "
                    + owner.buffers.keySet() + ")");
        return owner.buffers.get(leaf);
    }

    /** Child or descendant module {@code name} ("features.0"). */
    public final Module module(String name) {
        checkOpen("module");
        Module m = this;
        for (String part : name.split("\\.", -1)) {
            Module next = m.children.get(part);
            if (next == null)
                throw new IllegalArgumentException("module: " + m.reprName() + " has no child '" + part + "' (has " + m.children.keySet() + ")");
            m = next;
        }
        return m;
    }

    private Module ownerOf(String dotted) {
        int dot = dotted.lastIndexOf('.');
        return dot < 0 ? this : module(dotted.substring(0, dot));
    }

    private static String leafName(String dotted) { return dotted.substring(dotted.lastIndexOf('.') + 1); }

    /** The direct children in registration order. */
    public final Map<String, Module> namedChildren() {
        checkOpen("namedChildren");
        return Collections.unmodifiableMap(new LinkedHashMap<>(children));
    }

    public final List<Module> children() { return List.copyOf(namedChildren().values()); }

    /** The i-th child (negative counts from the end), for the list-like containers. */
    protected final Module childAt(int i) {
        var list = children();
        int j = i < 0 ? i + list.size() : i;
        if (j < 0 || j >= list.size())
            throw new IndexOutOfBoundsException(reprName() + ": index " + i + " out of range for " + list.size() + " modules");
        return list.get(j);
    }

    /** This module ("") and every descendant, pre-order, each once (torch's named_modules). */
    public final Map<String, Module> namedModules() {
        checkOpen("namedModules");
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collectModules("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out, Set<Module> seen) {
        if (!seen.add(this)) return;
        out.put(prefix, this);
        for (var e : children.entrySet()) e.getValue().collectModules(join(prefix, e.getKey()), out, seen);
    }

    /** Every parameter of the tree with its dotted name, each tensor once (torch's named_parameters). */
    public final Map<String, Tensor> namedParameters() { return namedTensors("namedParameters", true); }

    public final List<Tensor> parameters() { return List.copyOf(namedParameters().values()); }

    /** Every buffer of the tree (persistent or not) with its dotted name, each tensor once. */
    public final Map<String, Tensor> namedBuffers() { return namedTensors("namedBuffers", false); }

    public final List<Tensor> buffers() { return List.copyOf(namedBuffers().values()); }

    private Map<String, Tensor> namedTensors(String op, boolean params) {
        checkOpen(op);
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (var m : namedModules().entrySet())
            for (var e : (params ? m.getValue().parameters : m.getValue().buffers).entrySet())
                if (e.getValue() != null && seen.add(e.getValue())) out.put(join(m.getKey(), e.getKey()), e.getValue());
        return out;
    }

    /**
     * The state dict: for each module its parameters, then its persistent buffers, then each child
     * recursively, exactly torch's state_dict order and keys. Values are this module's own tensors (not
     * copies): read them, do not close them.
     */
    public final Map<String, Tensor> stateDict() {
        checkOpen("stateDict");
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        for (var e : parameters.entrySet()) if (e.getValue() != null) out.put(prefix + e.getKey(), e.getValue());
        for (var e : buffers.entrySet())
            if (e.getValue() != null && !nonPersistent.contains(e.getKey())) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collectState(prefix + e.getKey() + ".", out);
    }

    /**
     * Copies {@code state} into this module's existing tensors (under no-grad, converting device and dtype).
     * Strict: any missing key, unexpected key or shape mismatch throws one IllegalArgumentException listing
     * all of them, and nothing is copied. Lenient: the matching keys are copied and the problems returned.
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        checkOpen("loadStateDict");
        return StateDictLoader.load(this, state, strict);
    }

    /** Number of parameter elements (each shared tensor counted once). */
    public final long numParameters() {
        long n = 0;
        for (Tensor t : parameters()) n += t.numel();
        return n;
    }

    // ---- modes and traversal ----------------------------------------------------------------------------

    /** Sets training mode on this module and every descendant. Returns this. */
    public Module train(boolean mode) {
        checkOpen("train");
        for (Module m : namedModules().values()) m.training = mode;
        return this;
    }

    public Module train() { return train(true); }

    public Module eval() { return train(false); }

    public final boolean isTraining() { return training; }

    /** Applies {@code fn} to every child (recursively) and then to this module, as torch's apply. Returns this. */
    public final Module apply(Consumer<Module> fn) {
        checkOpen("apply");
        for (Module c : children.values()) c.apply(fn);
        fn.accept(this);
        return this;
    }

    /** Turns gradient tracking of every parameter on or off (freezing). Returns this. */
    public final Module setRequiresGrad(boolean requiresGrad) {
        for (Tensor p : parameters()) p.setRequiresGrad(requiresGrad);
        return this;
    }

    /** Drops every parameter's gradient (zero_grad with set_to_none). */
    public final void zeroGrad() {
        for (Tensor p : parameters()) p.zeroGrad();
    }

    // ---- moving and converting --------------------------------------------------------------------------

    /**
     * Moves every parameter and buffer (and gradient) of the tree to {@code device}: the registered tensors
     * are replaced by copies there (requiresGrad kept) and the old ones freed. Returns this.
     */
    public Module to(Device device) {
        checkOpen("to");
        TensorConverter.convert(this, t -> t.device().equals(device) ? t : t.to(device));
        return this;
    }

    /** Converts every floating-point parameter and buffer to {@code dtype} (int64 buffers stay). Returns this. */
    public Module to(DType dtype) {
        checkOpen("to");
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("to: modules can only be converted to a floating-point dtype, got " + dtype);
        TensorConverter.convert(this, t -> t.dtype().isFloatingPoint() && t.dtype() != dtype ? t.to(dtype) : t);
        return this;
    }

    /**
     * Runs forward with some parameters and buffers (dotted names) temporarily replaced by the given tensors,
     * as torch.func.functional_call: gradients then flow to those tensors. The module is restored afterwards
     * and never owns the replacements.
     */
    public final Tensor functionalCall(Map<String, Tensor> replacements, Tensor x) {
        checkOpen("functionalCall");
        record Slot(Map<String, Tensor> map, String name, Tensor old) {}
        List<Slot> slots = new ArrayList<>();
        try {
            for (var e : replacements.entrySet()) {
                Module owner = ownerOf(e.getKey());
                String leaf = leafName(e.getKey());
                Map<String, Tensor> map = owner.parameters.containsKey(leaf) ? owner.parameters
                        : owner.buffers.containsKey(leaf) ? owner.buffers : null;
                if (map == null)
                    throw new IllegalArgumentException("functionalCall: " + owner.reprName() + " has no parameter or buffer '" + leaf + "'");
                slots.add(new Slot(map, leaf, map.put(leaf, e.getValue())));
            }
            return forward(x);
        } finally {
            for (Slot s : slots.reversed()) s.map().put(s.name(), s.old());
        }
    }

    // ---- internals for this package ---------------------------------------------------------------------

    final Map<String, Tensor> ownParameters() { return parameters; }

    final Map<String, Tensor> ownBuffers() { return buffers; }

    final Scope ownScope() { return scope; }

    static String join(String prefix, String name) { return prefix.isEmpty() ? name : prefix + "." + name; }

    // ---- lifetime ---------------------------------------------------------------------------------------

    public final boolean isClosed() { return closed; }

    /** Throws IllegalStateException if this module was closed. Layers without tensors call it in forward. */
    protected final void checkOpen(String op) {
        if (closed) throw new IllegalStateException(reprName() + "." + op + ": module was used after it was closed");
    }

    /** Frees this module's parameters, buffers and their gradients, and closes every child. Idempotent. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        for (Module c : children.values()) c.close();
        scope.close();
    }

    // ---- printing ---------------------------------------------------------------------------------------

    /** The name toString prints: the class's simple name, like PyTorch's. */
    protected String reprName() {
        String simple = getClass().getSimpleName();
        return simple.isEmpty() ? "Module" : simple;
    }

    /** The text between the parentheses of this module's line (torch's extra_repr); empty by default. */
    protected String extraRepr() { return ""; }

    /** The module tree as PyTorch prints it. */
    @Override public String toString() {
        List<String> lines = new ArrayList<>();
        for (var e : children.entrySet()) lines.add(Repr.childLine(e.getKey(), e.getValue().toString()));
        return Repr.module(reprName(), extraRepr(), lines);
    }
}
