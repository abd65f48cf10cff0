// Loading a checkpoint whose weights hold NaN or infinite values, or a BatchNorm running_var with negative values,
// logs a warning naming the file and each such tensor (it used to load silently); healthy weights load silently.
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointHealthTest {
    @TempDir Path dir;

    /** The WARNING messages logged by ai.lethe.io while {@code body} runs. */
    static List<String> warnings(ThrowingRunnable body) throws Exception {
        Logger log = Logger.getLogger("ai.lethe.io");
        List<String> seen = new ArrayList<>();
        Handler h = new Handler() {
            @Override public void publish(LogRecord r) { if (r.getLevel().intValue() >= Level.WARNING.intValue()) seen.add(r.getMessage()); }
            @Override public void flush() {}
            @Override public void close() {}
        };
        log.addHandler(h);
        try {
            body.run();
        } finally {
            log.removeHandler(h);
        }
        return seen;
    }

    interface ThrowingRunnable { void run() throws Exception; }

    @Test void nanInfinityAndANegativeVarianceAreNamed() throws Exception {
        Path ckpt = dir.resolve("bad");
        try (Module m = TestNets.net(Device.REF); var _ = GradMode.noGrad()) {
            TestNets.warmUp(m, Device.REF, 2, 3);
            m.namedParameters().get("4.weight").narrow(1, 0, 2).fill(Double.NaN);   // 6 classes x 2 columns: 12 NaN
            m.namedParameters().get("0.bias").narrow(0, 1, 1).fill(Double.POSITIVE_INFINITY);
            m.namedBuffers().get("1.running_var").narrow(0, 0, 3).fill(-0.5);
            Checkpoint.save(ckpt, m, null, CheckpointInfo.of(null, null, 1, 0));
        }
        try (Module m = TestNets.net(Device.REF)) {
            List<String> w = warnings(() -> Checkpoint.loadModel(ckpt, m, true));
            assertEquals(1, w.size(), w.toString());
            String s = w.getFirst();
            assertTrue(s.startsWith(ckpt.resolve(Checkpoint.MODEL_FILE).toString()), s);
            assertTrue(s.contains("'4.weight' [6, 100] has 12 NaN of 600 values"), s);
            assertTrue(s.contains("'0.bias' [4] has 1 infinite of 4 values"), s);
            assertTrue(s.contains("'1.running_var' [4] has 3 negative (down to -0.5"), s);
            assertFalse(s.contains("running_mean"), s);
        }
    }

    @Test void healthyWeightsLoadWithoutAWarning() throws Exception {
        Path ckpt = dir.resolve("good");
        try (Module m = TestNets.net(Device.REF)) {
            TestNets.warmUp(m, Device.REF, 2, 3);
            Checkpoint.save(ckpt, m, null, CheckpointInfo.of(null, null, 1, 0));
        }
        try (Module m = TestNets.net(Device.REF)) {
            assertEquals(List.of(), warnings(() -> Checkpoint.loadModel(ckpt, m, true)));
        }
    }
}
