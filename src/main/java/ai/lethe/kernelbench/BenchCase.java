// One case of `lethe bench`: what it runs (a kernel of the Backend SPI on float32 buffers, or a training step), its
// sizes, the bytes and FLOPs one run requires (with their formulas), and the K buffer sets its runs rotate over:
// run i uses set i mod K, so that with K·(bytes of a set) beyond the last-level cache the inputs are not all
// cache-warm when a kernel is small. Holds its buffers until closed.
package ai.lethe.kernelbench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

public final class BenchCase implements AutoCloseable {

    /**
     * @param name         the case's name (BenchSettings.CASES)
     * @param what         what one run does, in words
     * @param sizes        the sizes, e.g. "N=11170000" or "B=32 T=65 M=768 N=192"
     * @param bytesFormula the minimum bytes one run moves: every input read once and every output written once
     *                     (an in-place operand counts as read and written), float32; null when not meaningful
     * @param bytes        that formula's value, or null
     * @param flopsFormula floating-point operations of one run, or null where not meaningful
     * @param flops        that formula's value, or null
     * @param buffers      K, the buffer sets the runs rotate over
     * @param unit         what one run processes, for a rate ("images"), or null
     * @param unitsPerRun  how many of {@code unit} one run processes
     */
    public record Info(String name, String what, String sizes, String bytesFormula, Long bytes, String flopsFormula,
                       Long flops, int buffers, String unit, long unitsPerRun) {
        public Info {
            if (buffers < 1) throw new IllegalArgumentException(name + ": buffers must be >= 1, got " + buffers);
        }
    }

    private final Info info;
    private final IntConsumer body;
    private final List<AutoCloseable> resources;

    BenchCase(Info info, IntConsumer body, List<? extends AutoCloseable> resources) {
        this.info = info;
        this.body = body;
        this.resources = new ArrayList<>(resources);
    }

    public Info info() { return info; }

    /** Runs the case once on buffer set {@code run mod K}. */
    public void run(int run) { body.accept(Math.floorMod(run, info.buffers())); }

    /** Frees the buffers (in reverse order of creation); the first failure is thrown after all are tried. */
    @Override public void close() {
        RuntimeException first = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (first == null) first = e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
        }
        resources.clear();
        if (first != null) throw first;
    }
}
