// The gradient all-reduce of data-parallel training (PyTorch DDP's Reducer, in small): the parameters that require
// grad are cut into buckets of about bucketBytes (25 MiB by default, like DDP's bucket_cap_mb), in reverse
// registration order — roughly the order backward makes their gradients ready. During backward the autograd engine
// tells this class each time a parameter's gradient is final (Engine.onLeafGradient); when the last gradient of a
// bucket is ready the bucket's all-reduce starts (Communicator.allReduceSumAsync) while backward goes on with the
// layers below. Buckets start strictly in bucket order, so every rank issues the same collectives in the same order
// whatever the engine's order (a bucket ready early waits for the ones before it). finish() starts whatever has not
// started (a parameter the graph did not reach gets a zero gradient, so every rank reduces the same tensors) and waits
// for every reduction: afterwards each parameter's .grad holds the sum over ranks.
//
// The caller makes the sum an average: DataParallel seeds each rank's backward with the rank's share of the global
// batch (1/N for equal shards), so sum over ranks = the gradient of the global batch's mean loss.
package ai.lethe.train.parallel;

import ai.lethe.distributed.Communicator;
import ai.lethe.tensor.Engine;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

public final class GradientBuckets {
    /** DDP's default bucket size, 25 MiB. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final Communicator comm;
    private final List<List<Tensor>> buckets = new ArrayList<>();
    private final Map<Tensor, Integer> bucketOf = new IdentityHashMap<>();
    private final int[] waiting;          // per bucket: gradients not yet ready in this pass
    private final boolean[] readySeen;    // per parameter index in `order`
    private final Map<Tensor, Integer> indexOf = new IdentityHashMap<>();
    private final List<Communicator.Pending> pending = new ArrayList<>();
    private int nextToStart;
    private boolean inPass;

    /**
     * Buckets over {@code parameters} (those that require grad; others are ignored) for {@code comm}, each about
     * {@code bucketBytes} (a parameter larger than that is a bucket of its own).
     */
    public GradientBuckets(List<Tensor> parameters, Communicator comm, long bucketBytes) {
        this.comm = Objects.requireNonNull(comm, "communicator");
        if (bucketBytes <= 0) throw new IllegalArgumentException("gradient buckets: bucket size must be positive, got " + bucketBytes + " bytes");
        List<Tensor> trainable = new ArrayList<>();
        for (Tensor p : parameters) if (p.requiresGrad() && !bucketOf.containsKey(p)) { trainable.add(p); bucketOf.put(p, -1); }
        List<Tensor> current = new ArrayList<>();
        long bytes = 0;
        for (int i = trainable.size() - 1; i >= 0; i--) {
            Tensor p = trainable.get(i);
            current.add(p);
            bytes += p.numel() * p.dtype().byteSize();
            if (bytes >= bucketBytes) {
                buckets.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
        }
        if (!current.isEmpty()) buckets.add(current);
        int k = 0;
        for (int b = 0; b < buckets.size(); b++)
            for (Tensor p : buckets.get(b)) { bucketOf.put(p, b); indexOf.put(p, k++); }
        waiting = new int[buckets.size()];
        readySeen = new boolean[k];
    }

    /** The buckets' parameters, in the order their reductions start. */
    public List<List<Tensor>> buckets() { return buckets.stream().map(List::copyOf).toList(); }

    /**
     * Runs {@code backward} (which must call loss.backward or Engine.backward on this thread) with the hook
     * installed, then finishes: on return every parameter's gradient is the sum over ranks.
     */
    public void reduceDuring(Runnable backward) {
        begin();
        try (Engine.HookRegistration _ = Engine.onLeafGradient(this::ready)) {
            backward.run();
        } catch (RuntimeException | Error e) {
            inPass = false;
            throw e;
        }
        finish();
    }

    /** Starts a pass: no gradient is ready, no bucket started. */
    public void begin() {
        if (inPass) throw new IllegalStateException("gradient buckets: begin() while a pass is running; finish() it first");
        for (int b = 0; b < buckets.size(); b++) waiting[b] = buckets.get(b).size();
        java.util.Arrays.fill(readySeen, false);
        pending.clear();
        nextToStart = 0;
        inPass = true;
    }

    /** The engine's hook: {@code leaf}'s gradient is final for this pass. */
    void ready(Tensor leaf) {
        Integer b = bucketOf.get(leaf);
        if (b == null || b < 0 || !inPass) return;   // not a parameter of this model (an input that requires grad)
        int i = indexOf.get(leaf);
        if (readySeen[i]) return;
        readySeen[i] = true;
        waiting[b]--;
        while (nextToStart < buckets.size() && waiting[nextToStart] == 0) start(nextToStart++);
    }

    /** Starts every bucket not started yet (zero gradients where none arrived) and waits for all of them. */
    public void finish() {
        if (!inPass) throw new IllegalStateException("gradient buckets: finish() without begin()");
        try {
            while (nextToStart < buckets.size()) start(nextToStart++);
            for (Communicator.Pending p : pending) p.await();
        } finally {
            pending.clear();
            inPass = false;
        }
    }

    private void start(int b) {
        List<Tensor> grads = new ArrayList<>(buckets.get(b).size());
        for (Tensor p : buckets.get(b)) {
            Tensor g = p.grad();
            if (g == null || g.isClosed()) {
                Tensor z = Scope.unscoped(() -> Tensor.zerosLike(p));
                Scope.moveTo(z, p.owner());
                p.setGrad(z);
                g = z;
            }
            grads.add(g);
        }
        pending.add(comm.allReduceSumAsync(grads));
    }
}
