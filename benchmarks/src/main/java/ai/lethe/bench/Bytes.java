// A JMH auxiliary counter: memory-bound benchmarks add the bytes one invocation nominally moves (their own
// definition, given in each benchmark's comment), and JMH reports the sum per second as the secondary metric
// "bytes" (bytes/s); report.py prints it as GB/s next to the PyTorch peer's GB/s for the same nominal bytes.
package ai.lethe.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Bytes {
    /** Bytes moved in this iteration (a public field: JMH reads it). */
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() { bytes = 0; }
}
