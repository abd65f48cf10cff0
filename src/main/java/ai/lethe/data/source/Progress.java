// How a download shows its progress: a progress bar on a terminal, a few log lines otherwise (a build log or a
// redirected stderr), or nothing (tests).
package ai.lethe.data.source;

public interface Progress {
    /** One transfer's progress; closed when it ends, whether it succeeded or not. */
    interface Task extends AutoCloseable {
        void advance(long bytes);

        @Override void close();
    }

    /** Starts reporting a transfer of {@code totalBytes} (-1 when unknown) called {@code name}. */
    Task start(String name, long totalBytes);

    /** A bar on a terminal, log lines when stderr is not one. */
    static Progress auto() {
        var console = System.console();
        return console != null && console.isTerminal() ? new ConsoleProgress() : new LogProgress();
    }

    static Progress silent() {
        return (_, _) -> new Task() {
            @Override public void advance(long bytes) {}

            @Override public void close() {}
        };
    }
}
