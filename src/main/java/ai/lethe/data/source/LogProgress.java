// Download progress as plain log lines (logger ai.lethe.data, INFO): one at the start, one per 25% done (or
// per 64 MiB when the size is unknown), one at the end.
package ai.lethe.data.source;

import java.lang.System.Logger.Level;

final class LogProgress implements Progress {
    private static final System.Logger LOG = System.getLogger("ai.lethe.data");
    private static final long UNKNOWN_STEP = 64L << 20;

    @Override public Task start(String name, long totalBytes) {
        LOG.log(Level.INFO, "downloading {0}{1}", name, totalBytes >= 0 ? " (" + mib(totalBytes) + ")" : "");
        return new Task() {
            private long done, nextReport = step();

            private long step() { return totalBytes > 0 ? Math.max(1, totalBytes / 4) : UNKNOWN_STEP; }

            @Override public void advance(long bytes) {
                done += bytes;
                if (done >= nextReport && (totalBytes <= 0 || done < totalBytes)) {
                    LOG.log(Level.INFO, "{0}: {1}{2}", name, mib(done),
                            totalBytes > 0 ? " of " + mib(totalBytes) + " (" + 100 * done / totalBytes + "%)" : "");
                    while (nextReport <= done) nextReport += step();
                }
            }

            @Override public void close() { LOG.log(Level.INFO, "{0}: {1} received", name, mib(done)); }
        };
    }

    private static String mib(long bytes) { return "%.1f MiB".formatted(bytes / 1048576.0); }
}
