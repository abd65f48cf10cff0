// Batches made on the caller's thread when it asks for them (a loader with workers = 0).
package ai.lethe.data.loader;

final class SyncSource implements BatchSource {
    private final BatchAssembler assembler;

    SyncSource(BatchAssembler assembler) { this.assembler = assembler; }

    @Override public Batch take(int b) {
        try {
            return assembler.make(b);
        } catch (RuntimeException | Error e) {
            throw Prefetcher.failure(assembler, b, e);
        }
    }

    @Override public void close() {}
}
