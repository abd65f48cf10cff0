// java.util.logging for the command line: one line per message on stderr, no timestamps ("warning: ...",
// "debug: ..."; info messages plain). Lethe's loggers (ai.lethe.*, also reached through System.Logger) log at
// INFO by default, FINE with -v, everything with -vv; other loggers (the JDK's own) stay at INFO.
package ai.lethe.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

final class CliLogging {
    // strong references: LogManager keeps loggers weakly, and a collected logger would lose its level
    private static final Logger ROOT = Logger.getLogger("");
    private static final Logger LETHE = Logger.getLogger("ai.lethe");

    private CliLogging() {}

    /** Replaces the root handlers with one stderr handler; {@code verbosity} is the number of -v flags. */
    static synchronized void configure(int verbosity, boolean debug) {
        for (Handler h : ROOT.getHandlers()) ROOT.removeHandler(h);
        Handler handler = new StderrHandler(new OneLineFormatter(debug));
        handler.setLevel(Level.ALL);
        ROOT.addHandler(handler);
        ROOT.setLevel(Level.INFO);
        LETHE.setLevel(switch (verbosity) {
            case 0 -> Level.INFO;
            case 1 -> Level.FINE;
            default -> Level.ALL;
        });
    }

    /** Writes to whatever System.err is at the time of each message (so tests that redirect it see it). */
    static final class StderrHandler extends Handler {
        StderrHandler(Formatter formatter) { setFormatter(formatter); }

        @Override public synchronized void publish(LogRecord record) {
            if (!isLoggable(record)) return;
            System.err.print(getFormatter().format(record));
            System.err.flush();
        }

        @Override public void flush() { System.err.flush(); }

        @Override public void close() {}
    }

    /** "level: message" (plain message for INFO), the thrown exception's message appended, trace if debug. */
    static final class OneLineFormatter extends Formatter {
        private final boolean debug;

        OneLineFormatter(boolean debug) { this.debug = debug; }

        @Override public String format(LogRecord record) {
            StringBuilder sb = new StringBuilder();
            String prefix = prefix(record.getLevel());
            if (!prefix.isEmpty()) sb.append(prefix).append(": ");
            sb.append(formatMessage(record));
            Throwable t = record.getThrown();
            if (t != null) sb.append(": ").append(Main.describe(t));
            sb.append(System.lineSeparator());
            if (t != null && debug) {
                StringWriter trace = new StringWriter();
                t.printStackTrace(new PrintWriter(trace));
                sb.append(trace);
            }
            return sb.toString();
        }

        static String prefix(Level level) {
            int v = level.intValue();
            if (v >= Level.SEVERE.intValue()) return "error";
            if (v >= Level.WARNING.intValue()) return "warning";
            if (v >= Level.INFO.intValue()) return "";
            if (v >= Level.CONFIG.intValue()) return "config";
            if (v >= Level.FINE.intValue()) return "debug";
            return "trace";
        }
    }
}
