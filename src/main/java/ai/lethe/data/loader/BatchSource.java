// Where an epoch's batches come from: made on the caller's thread (SyncSource) or by worker threads ahead of it
// (Prefetcher). Batches are taken in order 0, 1, 2, ...; close stops any work and frees batches not taken.
package ai.lethe.data.loader;

sealed interface BatchSource extends AutoCloseable permits SyncSource, Prefetcher {
    /** Batch {@code b}, the next one in order; a DataLoaderException when it could not be made. */
    Batch take(int b);

    /** Stops the work and frees every batch made but not taken. Idempotent; returns when no thread works any more. */
    @Override void close();
}
