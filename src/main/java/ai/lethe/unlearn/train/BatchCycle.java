// An endless stream of batches from one DataLoader: its epochs one after another (each reshuffled with its epoch
// number), for methods that pair every batch of one set with the next batch of another (NegGrad+ pairs each
// retain batch with a forget batch, as the SCRUB code's zip(retain_loader, cycle(forget_loader))). The batch
// returned by next() is moved into the caller's current scope, so it is freed with the training step.
package ai.lethe.unlearn.train;

import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.tensor.Scope;
import java.util.Iterator;

final class BatchCycle implements AutoCloseable {
    private final DataLoader loader;
    private Epoch epoch;
    private Iterator<Batch> batches;
    private int epochs;

    BatchCycle(DataLoader loader) {
        if (loader.numBatches() == 0) throw new IllegalArgumentException("BatchCycle: the loader of " + loader.dataset().name() + " has no batches");
        this.loader = loader;
    }

    /** The next batch (starting the loader's next epoch when one ends), owned by the current scope. */
    Batch next() {
        if (batches == null || !batches.hasNext()) {
            if (epoch != null) epoch.close();
            epoch = loader.epoch(epochs++);
            batches = epoch.iterator();
        }
        Batch b = batches.next();
        Scope s = Scope.current();
        if (s != null) {
            s.adopt(b.images());
            s.adopt(b.labels());
        }
        return b;
    }

    /** How many epochs of the loader were started. */
    int epochsStarted() { return epochs; }

    @Override public void close() {
        if (epoch != null) epoch.close();
        epoch = null;
        batches = null;
    }
}
