// The base of every optimizer: parameter groups with their own hyper-parameters, per-parameter state kept in
// the optimizer's own detached scope (so it outlives the scopes of training steps), step() calling a fused
// backend kernel per parameter or one multi-tensor step per group (updateGroup), zeroGrad() with set_to_none semantics, optional masks that keep pruned
// entries at exactly zero (handed to the fused kernel: a masked update in the same single pass), and
// checkpoint export/import with PyTorch's state_dict names (see OptimizerState). For CUDA graphs: replayStep() is
// the host side of a replayed step (the per-step scalars only) and layoutKey() what a captured step depends on.
package ai.lethe.optim;

import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

public abstract class Optimizer<O extends GroupOptions<O>> implements AutoCloseable {
    private final String name;
    private final List<ParamGroup<O>> groups;
    private final List<Tensor> params;
    private final Map<Tensor, Integer> indexOf = new IdentityHashMap<>();
    private final Map<Tensor, ParamState> states = new IdentityHashMap<>();
    private final Map<Tensor, Tensor> masks = new IdentityHashMap<>();
    private final Scope stateScope;
    private boolean closed;
    private boolean[] stepped = new boolean[0];   // by parameter index: updated by the last step()
    private long layoutVersion;                   // bumped when masks or state buffers change (layoutKey)

    /**
     * @param name   used in messages ("SGD", "AdamW")
     * @param groups at least one group; every parameter a contiguous floating-point leaf tensor, in one group
     */
    protected Optimizer(String name, List<ParamGroup<O>> groups) {
        this.name = Objects.requireNonNull(name, "name");
        this.groups = List.copyOf(Objects.requireNonNull(groups, "groups"));
        if (this.groups.isEmpty()) throw new IllegalArgumentException(name + ": no parameter groups; give it some parameters");
        List<Tensor> all = new ArrayList<>();
        for (int g = 0; g < this.groups.size(); g++) {
            List<Tensor> ps = this.groups.get(g).params();
            if (ps.isEmpty()) throw new IllegalArgumentException(name + ": parameter group " + g + " is empty");
            for (Tensor p : ps) {
                String where = "parameter " + all.size() + " (group " + g + ")";
                p.checkOpen(name);
                if (!p.isLeaf())
                    throw new IllegalArgumentException(name + ": " + where + " is not a leaf tensor (it was computed by "
                            + p.gradFn().op() + "); optimizers update leaves only");
                if (!p.dtype().isFloatingPoint())
                    throw new IllegalArgumentException(name + ": " + where + " has dtype " + p.dtype()
                            + "; parameters must be floating point");
                if (!p.isContiguous())
                    throw new IllegalArgumentException(name + ": " + where + " of shape " + p.shape()
                            + " is not contiguous; the fused update needs contiguous parameters");
                if (indexOf.putIfAbsent(p, all.size()) != null)
                    throw new IllegalArgumentException(name + ": " + where + " is also parameter " + indexOf.get(p)
                            + "; a parameter may appear only once across all groups");
                all.add(p);
            }
        }
        this.params = List.copyOf(all);
        this.stateScope = Scope.detached(name + " state");
    }

    // ---- what each optimizer defines --------------------------------------------------------------------

    /**
     * Updates {@code param} in place from {@code grad} (contiguous, same shape, dtype and device) with the
     * backend's fused kernel; runs under no-grad. Buffers come from {@link #newBuffer}. {@code mask} is null or
     * the parameter's mask (contiguous, same shape, dtype and device) for the kernel's masked update: where it is
     * 0 the parameter and every state buffer become exactly 0.
     */
    protected abstract void update(O options, Tensor param, Tensor grad, Tensor mask, ParamState state);

    /** One parameter's update in a step: the parameter, its gradient and mask as update() takes them, its state. */
    protected record Update(Tensor param, Tensor grad, Tensor mask, ParamState state) {}

    /**
     * Updates every parameter of one group that has a gradient, in order (under no-grad). The default calls
     * {@link #update} on each; optimizers with a multi-tensor backend step (one launch for the whole group on a GPU
     * backend) override it, with the same result.
     */
    protected void updateGroup(O options, List<Update> updates) {
        for (Update u : updates) update(options, u.param(), u.grad(), u.mask(), u.state());
    }

    /** Names of the per-parameter state tensors, as exported ("momentum_buffer", "exp_avg", ...). */
    protected abstract Set<String> stateTensorNames();

    /** Whether the per-parameter step counter is part of the state (exported as "state.<i>.step"). */
    protected boolean countsSteps() { return false; }

    /** A zero buffer like {@code param}, owned by this optimizer, stored in {@code state} as {@code name}. */
    protected final Tensor newBuffer(ParamState state, String bufferName, Tensor param) {
        Tensor b = stateScope.adopt(Tensor.zeros(param.shape(), param.dtype(), param.device()));
        Tensor old = state.buffer(bufferName);
        state.put(bufferName, b);
        if (old != null) old.close();
        layoutVersion++;
        return b;
    }

    // ---- the training-loop API --------------------------------------------------------------------------

    /** One update of every parameter that has a gradient; parameters whose grad is null are skipped. */
    public final void step() {
        checkNotClosed("step");
        boolean[] updated = new boolean[params.size()];
        try (var _ = GradMode.noGrad(); var _ = Scope.open(name + ".step")) {
            for (ParamGroup<O> group : groups) {
                O options = group.options();
                List<Update> updates = new ArrayList<>();
                for (Tensor p : group.params()) {
                    Tensor g = p.grad();
                    if (g == null) continue;
                    Tensor grad = updatable(p, g);
                    ParamState s = states.computeIfAbsent(p, k -> new ParamState());
                    Tensor mask = masks.get(p);
                    updates.add(new Update(p, grad, mask == null ? null : updatable(p, mask), s));
                }
                if (updates.isEmpty()) continue;
                updateGroup(options, updates);
                for (Update u : updates) {
                    u.param().markModified();
                    for (Tensor b : u.state().buffers().values()) b.markModified();
                    updated[indexOf.get(u.param())] = true;
                }
            }
        }
        stepped = updated;
    }

    /**
     * The host side of a step that a device graph replays (GraphCapture.StepGraph): the parameters the last step()
     * updated go through their group's update again (updateGroup, as in step(), so the backend sees the same
     * multi-tensor calls the graph captured) with the current hyper-parameters — the learning rate, SGD's first-step
     * flag, Adam's step count and bias corrections, as step() would compute them now — but the backend, in the graph's
     * parameter pass, only records these per-step scalars for the graph and queues no device work (any it were asked
     * for would be an error). The gradients are not read: the graph computes its own, so each parameter stands in for
     * its gradient in the call. Step counts and version counters advance as step() advances them.
     */
    public final void replayStep() {
        checkNotClosed("replayStep");
        try (var _ = GradMode.noGrad()) {
            for (ParamGroup<O> group : groups) {
                List<Update> updates = new ArrayList<>();
                for (Tensor p : group.params()) {
                    int i = indexOf.get(p);
                    if (i >= stepped.length || !stepped[i]) continue;
                    Tensor mask = masks.get(p);
                    updates.add(new Update(p, p, mask == null ? null : updatable(p, mask), states.get(p)));
                }
                if (updates.isEmpty()) continue;
                updateGroup(group.options(), updates);   // as step(): the backend's multi-tensor slots, in order
                for (Update u : updates) {
                    u.param().markModified();
                    for (Tensor b : u.state().buffers().values()) b.markModified();
                }
            }
        }
    }

    /**
     * What a captured step of this optimizer depends on besides its per-step scalars (a graph's key, with
     * GraphCapture): a version that changes when a mask is set or removed, state is loaded or a state buffer is
     * created, and each group's layout (GroupOptions.layout: e.g. whether SGD keeps a momentum buffer). Equal keys:
     * step() would queue the same kernels on the same memory.
     */
    public final Object layoutKey() {
        List<Object> key = new ArrayList<>(groups.size() + 1);
        key.add(layoutVersion);
        for (ParamGroup<O> g : groups) key.add(g.options().layout());
        return key;
    }

    /** The gradient (or mask) as the kernels need it: contiguous, with the parameter's dtype, on its device. */
    private Tensor updatable(Tensor p, Tensor g) {
        if (g.isClosed())
            throw new IllegalStateException(name + ".step: the gradient of " + describe(p)
                    + " was closed (its scope ended); call zeroGrad() or keep the gradient alive until step()");
        if (!g.device().equals(p.device()))
            throw new IllegalArgumentException(name + ".step: the gradient of " + describe(p) + " is on " + g.device()
                    + ", the parameter on " + p.device());
        Tensor c = g.dtype() == p.dtype() ? g : g.to(p.dtype());
        return c.isContiguous() ? c : c.contiguousCopy();
    }

    private String describe(Tensor p) { return "parameter " + indexOf.get(p) + " of shape " + p.shape(); }

    /**
     * Keeps the entries of {@code param} where {@code mask} is 0 at exactly zero from now on (pruning): the
     * parameter and its state are zeroed there now, and every step hands the mask to the backend's fused kernel,
     * which sets those entries and their state to exactly 0 and updates the others normally (a masked update:
     * gradient, momentum, weight decay and l1 all respect the mask). Entries where the mask is not 0 are not
     * scaled. {@code mask} (same shape and device, 0/1 values) stays the caller's; it must stay open while set.
     * Null removes the mask.
     */
    public final void setMask(Tensor param, Tensor mask) {
        checkNotClosed("setMask");
        if (!indexOf.containsKey(param)) throw new IllegalArgumentException(name + ".setMask: not a parameter of this optimizer");
        if (mask == null) {
            if (masks.remove(param) != null) layoutVersion++;
            return;
        }
        mask.checkOpen(name + ".setMask");
        if (!mask.shape().equals(param.shape()) || !mask.device().equals(param.device()))
            throw new IllegalArgumentException(name + ".setMask: mask of shape " + mask.shape() + " on " + mask.device()
                    + " for " + describe(param) + " on " + param.device());
        masks.put(param, mask);
        layoutVersion++;
        try (var _ = GradMode.noGrad(); var _ = Scope.open(name + ".setMask")) {
            ParamState s = states.get(param);
            applyMask(param, s, mask);
        }
    }

    /** Whether {@code param} is one of this optimizer's parameters. */
    public final boolean holds(Tensor param) { return param != null && indexOf.containsKey(param); }

    /** The mask of {@code param}, or null. */
    public final Tensor mask(Tensor param) { return masks.get(param); }

    /** Zeroes param and its state where mask == 0 (under no-grad). */
    private static void applyMask(Tensor param, ParamState state, Tensor mask) {
        Tensor pruned = mask.eq(0);
        zeroWhere(param, pruned);
        if (state != null) for (Tensor b : state.buffers().values()) zeroWhere(b, pruned);
    }

    private static void zeroWhere(Tensor t, Tensor pruned) {
        t.copyFrom(Tensor.where(pruned, Tensor.zerosLike(t), t));
    }

    /** Drops every gradient (PyTorch's zero_grad(set_to_none=True)). */
    public final void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    /** The first group's learning rate (per group: {@code group(g).lr()}). */
    public final double lr() { return groups.getFirst().lr(); }

    /** Sets the learning rate of every group. */
    public final void setLr(double lr) {
        List<O> updated = new ArrayList<>();
        for (ParamGroup<O> g : groups) updated.add(g.options().withLr(lr));
        for (int i = 0; i < groups.size(); i++) groups.get(i).setOptions(updated.get(i));
    }

    public final List<ParamGroup<O>> groups() { return groups; }

    public final ParamGroup<O> group(int index) {
        Objects.checkIndex(index, groups.size());
        return groups.get(index);
    }

    /** Every parameter, numbered across groups in order (the {@code <i>} of the state keys). */
    public final List<Tensor> parameters() { return params; }

    /** The state of {@code param}, or null if it has none yet (no step with a gradient). */
    public final ParamState stateOf(Tensor param) {
        if (!indexOf.containsKey(param)) throw new IllegalArgumentException(name + ".stateOf: not a parameter of this optimizer");
        return states.get(param);
    }

    public final String name() { return name; }

    // ---- checkpoints ------------------------------------------------------------------------------------

    /**
     * The state with PyTorch's state_dict names (see {@link OptimizerState}); its tensors are contiguous copies
     * that belong to the current scope (or to the caller, who closes the returned state).
     */
    public final OptimizerState state() {
        checkNotClosed("state");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, Double> scalars = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            ParamState s = states.get(params.get(i));
            if (s == null || s.isEmpty()) continue;
            for (var e : s.buffers().entrySet()) tensors.put("state." + i + "." + e.getKey(), e.getValue().contiguousCopy());
            if (countsSteps()) scalars.put("state." + i + ".step", (double) s.step());
        }
        for (int g = 0; g < groups.size(); g++) {
            ParamGroup<O> group = groups.get(g);
            String prefix = "param_groups." + g + ".";
            group.options().toScalars().forEach((k, v) -> scalars.put(prefix + k, v));
            if (group.initialLr().isPresent()) scalars.put(prefix + "initial_lr", group.initialLr().getAsDouble());
            for (int k = 0; k < group.params().size(); k++)
                scalars.put(prefix + "params." + k, (double) indexOf.get(group.params().get(k)));
        }
        return new OptimizerState(tensors, scalars);
    }

    /**
     * Replaces the state and the groups' hyper-parameters with {@code state} (as {@link #state()} writes it).
     * Everything is validated before anything changes; a problem is an IllegalArgumentException naming the key.
     * Tensors are copied (to this optimizer's device and dtype); the caller still owns {@code state}.
     */
    public final void loadState(OptimizerState state) {
        checkNotClosed("loadState");
        StateLoad<O> load = new StateLoad<>(this, state);
        try (var _ = GradMode.noGrad(); var _ = Scope.open(name + ".loadState")) {
            for (ParamState s : states.values()) s.buffers().values().forEach(Tensor::close);
            states.clear();
            layoutVersion++;
            for (int i : load.paramsWithState()) {
                Tensor p = params.get(i);
                ParamState s = new ParamState();
                states.put(p, s);
                load.tensors().getOrDefault(i, Map.of())
                        .forEach((bufferName, src) -> newBuffer(s, bufferName, p).copyFrom(src.to(p.device())));
                s.setStep(load.steps().getOrDefault(i, 0L));
            }
            for (int g = 0; g < groups.size(); g++) {
                groups.get(g).setOptions(load.options().get(g));
                Double initial = load.initialLrs().get(g);
                if (initial != null) groups.get(g).setInitialLr(initial);
            }
        }
    }

    /** The global index of {@code p}, one of this optimizer's parameters (for StateLoad). */
    int indexOfParam(Tensor p) { return indexOf.get(p); }

    // ---- lifetime ---------------------------------------------------------------------------------------

    public final boolean isClosed() { return closed; }

    /** Frees the state (the parameters belong to their owner, not to the optimizer). */
    @Override public void close() {
        closed = true;
        states.clear();
        masks.clear();
        stateScope.close();
    }

    private void checkNotClosed(String op) {
        if (closed) throw new IllegalStateException(name + "." + op + ": the optimizer was closed");
    }

    @Override public String toString() {
        return name + "(" + params.size() + " parameters in " + groups.size() + " groups)";
    }
}
