// The lock under which an experiment makes its shared state (the trained original, the pruned copy, the tuned
// options): an exclusive lock on OUT/.shared-state.lock (FileChannel.lock: held by one process at a time, on the
// local machine and — on file systems whose locks are cluster-wide, such as NFSv4 and Lustre with flock — across
// nodes) plus a lock within this JVM (FileChannel locks are per process, so two threads would otherwise both get it).
// Cells of a Slurm sweep started without the prepare step thus train the original once: the first trains it, the
// others wait and then load it. The lock file stays; it holds no data.
package ai.lethe.experiment;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

final class SharedStateLock implements AutoCloseable {
    static final String FILE = ".shared-state.lock";
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final ReentrantLock jvm;
    private final FileChannel channel;
    private final FileLock lock;

    private SharedStateLock(ReentrantLock jvm, FileChannel channel, FileLock lock) {
        this.jvm = jvm;
        this.channel = channel;
        this.lock = lock;
    }

    /** Blocks until this thread holds the lock of the experiment folder {@code out}; {@code log} hears when it waits. */
    static SharedStateLock acquire(Path out, Consumer<String> log) throws IOException {
        Path file = out.toAbsolutePath().normalize().resolve(FILE);
        ReentrantLock jvm = IN_JVM.computeIfAbsent(file, _ -> new ReentrantLock());
        if (!jvm.tryLock()) {
            log.accept("waiting for another run in this process to make the shared state (" + file + ")");
            jvm.lock();
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                log.accept("waiting for another process to make the shared state (" + file + ")");
                l = ch.lock();
            }
            return new SharedStateLock(jvm, ch, l);
        } catch (IOException | RuntimeException e) {
            if (ch != null) try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            jvm.unlock();
            throw e;
        }
    }

    @Override public void close() throws IOException {
        try {
            lock.release();
            channel.close();
        } finally {
            jvm.unlock();
        }
    }
}
