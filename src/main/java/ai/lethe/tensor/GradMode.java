// Whether ops record the graph on this thread. `try (var g = GradMode.noGrad()) { ... }` turns recording off
// (evaluation, optimizer updates, the backward pass itself); closing it restores the previous mode.
package ai.lethe.tensor;

public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {}

    public static boolean isEnabled() { return ENABLED.get()[0]; }

    /** Disables recording until the returned guard is closed. */
    public static Guard noGrad() { return set(false); }

    /** Enables recording until the returned guard is closed (inside a no-grad region). */
    public static Guard enableGrad() { return set(true); }

    private static Guard set(boolean enabled) {
        boolean[] cell = ENABLED.get();
        boolean previous = cell[0];
        cell[0] = enabled;
        return new Guard(cell, previous);
    }

    /** Restores the mode that was active when it was made. */
    public static final class Guard implements AutoCloseable {
        private final boolean[] cell;
        private final boolean previous;
        private boolean closed;

        private Guard(boolean[] cell, boolean previous) {
            this.cell = cell;
            this.previous = previous;
        }

        @Override public void close() {
            if (!closed) {
                closed = true;
                cell[0] = previous;
            }
        }
    }
}
