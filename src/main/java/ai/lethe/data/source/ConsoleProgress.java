// A download progress bar on the terminal (me.tongfei:progressbar): name, bytes in MiB, speed, ETA.
package ai.lethe.data.source;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

final class ConsoleProgress implements Progress {
    @Override public Task start(String name, long totalBytes) {
        ProgressBar bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(totalBytes)
                .setUnit(" MiB", 1 << 20).showSpeed().setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                .build();
        return new Task() {
            @Override public void advance(long bytes) { bar.stepBy(bytes); }

            @Override public void close() { bar.close(); }
        };
    }
}
