// A JMH auxiliary counter: benchmarks add the images each invocation processed, and JMH reports the sum per
// second as the secondary metric "images" (images/s), so batches of different sizes compare per image.
package ai.lethe.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Images {
    /** Images processed in this iteration (a public field: JMH reads it). */
    public long images;

    @Setup(Level.Iteration)
    public void reset() { images = 0; }
}
