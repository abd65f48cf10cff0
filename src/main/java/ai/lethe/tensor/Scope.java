// Lifetimes of tensors. A scope opened with try-with-resources is "current" on its thread: every tensor made
// while it is current belongs to it, and closing the scope frees all of them except those kept (handed to
// the enclosing scope, or to the caller when there is none). Detached scopes (not current anywhere) are owners
// for long-lived tensors: a module's parameters, an optimizer's state. Closing a tensor's storage is
// reference counted, so freeing a view never frees memory another tensor still uses.
package ai.lethe.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

public final class Scope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final String name;
    private final Scope parent;
    private final boolean onStack;
    private final Thread thread;
    private final Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private Scope(String name, Scope parent, boolean onStack) {
        this.name = name;
        this.parent = parent;
        this.onStack = onStack;
        this.thread = onStack ? Thread.currentThread() : null;
    }

    /** Opens a scope and makes it current on this thread until it is closed. */
    public static Scope open() { return open("scope"); }

    public static Scope open(String name) {
        ArrayDeque<Scope> stack = STACK.get();
        Scope s = new Scope(name, stack.peek(), true);
        stack.push(s);
        return s;
    }

    /** A scope that is never current: an owner for long-lived tensors (parameters, optimizer state). */
    public static Scope detached(String name) { return new Scope(name, null, false); }

    /** The innermost open scope of this thread, or null. */
    public static Scope current() { return STACK.get().peek(); }

    /** Runs while no scope is current, so that what it makes belongs to the caller. */
    public static <T> T unscoped(java.util.function.Supplier<T> body) {
        ArrayDeque<Scope> saved = STACK.get();
        STACK.set(new ArrayDeque<>());
        try {
            return body.get();
        } finally {
            STACK.set(saved);
        }
    }

    public String name() { return name; }

    public synchronized boolean isClosed() { return closed; }

    /** Number of open tensors this scope owns. */
    public synchronized int size() { return owned.size(); }

    /**
     * Keeps {@code t} alive past this scope: it moves to the enclosing scope, or to the caller if there is
     * none. Returns {@code t}.
     */
    public Tensor keep(Tensor t) {
        moveTo(t, parent);
        return t;
    }

    /** Takes ownership of {@code t} from whichever scope owned it. Returns {@code t}. */
    public Tensor adopt(Tensor t) {
        moveTo(t, this);
        return t;
    }

    /** Makes {@code target} the owner of {@code t} (null: no scope, the caller closes it). */
    public static void moveTo(Tensor t, Scope target) {
        Scope from = t.owner();
        if (from == target) return;
        if (target != null) target.add(t);
        if (from != null) from.forget(t);
        t.setOwner(target);
    }

    /** Registers a new tensor with the current scope of this thread, if any. */
    static Scope register(Tensor t) {
        Scope s = current();
        if (s != null) s.add(t);
        return s;
    }

    private synchronized void add(Tensor t) {
        if (closed) throw new IllegalStateException("scope '" + name + "' is closed; it cannot own new tensors");
        owned.add(t);
    }

    synchronized void forget(Tensor t) { owned.remove(t); }

    /** Frees every tensor this scope still owns. Scopes on a thread must be closed innermost first. */
    @Override public void close() {
        if (onStack) {
            if (Thread.currentThread() != thread)
                throw new IllegalStateException("scope '" + name + "' must be closed on the thread that opened it");
            ArrayDeque<Scope> stack = STACK.get();
            if (stack.peek() != this) {
                if (!stack.contains(this)) {
                    if (isClosed()) return;
                    throw new IllegalStateException("scope '" + name + "' is not open on this thread");
                }
                throw new IllegalStateException("scope '" + name + "' closed while an inner scope ('"
                        + stack.peek().name + "') is still open");
            }
            stack.pop();
        }
        List<Tensor> toClose;
        synchronized (this) {
            if (closed) return;
            closed = true;
            toClose = new ArrayList<>(owned);
            owned.clear();
        }
        for (Tensor t : toClose) t.releaseFromScope();
    }

    @Override public String toString() { return "Scope(" + name + ", " + size() + " tensors)"; }
}
