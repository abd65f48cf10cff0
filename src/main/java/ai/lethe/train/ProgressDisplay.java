// Shows training progress: on a terminal, a progress bar per epoch (step, loss, accuracy, img/s, ETA); without
// one (logs, CI), one line per epoch. Writes to stderr so stdout stays the command's result. The training accuracy
// is shown only where the loop measured it (not in the unlearning methods' loops).
package ai.lethe.train;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

public final class ProgressDisplay implements TrainListener {
    private final PrintStream out;
    private final boolean bars;
    private int epochs, stepsPerEpoch;
    private ProgressBar bar;
    private double lossSum;
    private int steps;
    private long epochStart;
    private long samples;

    /** Bars when a console is attached, lines otherwise. */
    public ProgressDisplay() { this(System.err, System.console() != null); }

    public ProgressDisplay(PrintStream out, boolean bars) {
        this.out = out;
        this.bars = bars;
    }

    @Override public void onStart(TrainConfig config, int stepsPerEpoch, int startEpoch) {
        this.epochs = config.epochs();
        this.stepsPerEpoch = stepsPerEpoch;
        epochStart = System.nanoTime();
    }

    @Override public void onStep(StepStats s) {
        if (s.step() == 0) {
            lossSum = 0;
            steps = 0;
            samples = 0;
            if (bars) bar = new ProgressBarBuilder().setTaskName("epoch " + (s.epoch() + 1) + "/" + epochs)
                    .setInitialMax(stepsPerEpoch).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(out)).build();
        }
        lossSum += s.loss();
        steps++;
        samples += s.batchSize();
        if (bar != null) {
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f  %.0f img/s", lossSum / steps, samples / Math.max(seconds, 1e-9)));
            bar.step();
        }
    }

    @Override public void onEpoch(EpochStats e) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  loss %.4f", e.epoch() + 1, e.epochs(),
                e.trainLoss()));
        if (e.hasTrainAccuracy()) line.append(String.format(Locale.ROOT, "  train acc %.2f%%", 100 * e.trainAccuracy()));
        if (e.hasValidation())
            line.append(String.format(Locale.ROOT, "  val loss %.4f  val acc %.2f%%", e.valLoss(), 100 * e.valAccuracy()));
        line.append(String.format(Locale.ROOT, "  lr %.3g  %.1f s  %.0f img/s", e.lr(), e.seconds(), e.imagesPerSecond()));
        out.println(line);
        epochStart = System.nanoTime();
    }
}
