// The per-epoch line (and metrics.jsonl line) shows the training accuracy only where the loop measured it: the
// unlearning methods' loops report none (NaN), which used to print "train acc NaN%".
package ai.lethe.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {
    static String line(EpochStats e) {
        var bytes = new ByteArrayOutputStream();
        var d = new ProgressDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        d.onStart(TrainConfig.unlearnSparse(2), 4, 0);
        d.onEpoch(e);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test void anUnmeasuredTrainingAccuracyIsOmitted() {
        // as ai.lethe.unlearn.train.TrainingLoop reports an epoch: loss only
        String s = line(new EpochStats(0, 2, 0.6931, Double.NaN, Double.NaN, Double.NaN, 0.01, 1.5, 100));
        assertFalse(s.contains("NaN"), s);
        assertFalse(s.contains("train acc"), s);
        assertTrue(s.startsWith("epoch 1/2  loss 0.6931  lr 0.0100"), s);
        String json = MetricsLog.line(new EpochStats(0, 2, 0.6931, Double.NaN, Double.NaN, Double.NaN, 0.01, 1.5, 100));
        assertFalse(json.contains("NaN") || json.contains("accuracy"), json);
    }

    @Test void aMeasuredTrainingAccuracyIsShown() {
        String s = line(new EpochStats(1, 2, 0.5, 0.8125, 0.4, 0.75, 0.01, 1.5, 100));
        assertTrue(s.contains("loss 0.5000  train acc 81.25%  val loss 0.4000  val acc 75.00%"), s);
        String json = MetricsLog.line(new EpochStats(1, 2, 0.5, 0.8125, 0.4, 0.75, 0.01, 1.5, 100));
        for (String k : List.of("\"train_accuracy\":0.8125", "\"val_accuracy\":0.75")) assertTrue(json.contains(k), json);
    }
}
