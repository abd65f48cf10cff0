// SSD's I_D kept in a file across runs (`lethe unlearn --fisher-cache FILE`): read when FILE exists, else computed
// exactly as SSD computes it itself (Ssd.computeFullFisher: D = Dr then Df, unshuffled, the run's Fisher kind and
// batch size) and written there with its FullFisherProvenance as metadata. A file whose metadata records another
// order, kind, batch size, model or split — or none, as files from earlier versions — is refused with a message
// naming the difference (it is never overwritten: delete it or name another file, and it is computed again).
// Over several ranks the I_D is computed by all of them together (FisherDiagonal over Distributed.current()) and
// written by the leader (rank 0) only; every rank must see the same FILE (or its absence): on several nodes, a
// shared file system.
package ai.lethe.unlearn.ssd;

import ai.lethe.distributed.Distributed;
import ai.lethe.fisher.FisherMap;
import ai.lethe.models.ImageModel;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

public final class FisherCache {
    private FisherCache() {}

    /**
     * The I_D {@code method} would compute for {@code model} in {@code context}: read from {@code file}, or computed
     * and written there. IllegalArgumentException (naming the file and the difference) when the method reads no
     * cached Fisher or the file holds another computation; IOException when it cannot be written.
     */
    public static FisherMap readOrCompute(Path file, Unlearner method, ImageModel model, UnlearnContext context,
                                          Consumer<String> say) throws IOException {
        if (!(method instanceof Ssd ssd) || !ssd.usesFullFisher())
            throw new IllegalArgumentException(method.name() + " does not read a cached Fisher diagonal (only ssd does)");
        if (Files.exists(file)) return read(file, ssd, model, context, say);
        say.accept(String.format(Locale.ROOT, "computing SSD's I_D over the %d retain then %d forget samples (cached in %s)",
                context.retainSet().size(), context.forgetSet().size(), file));
        FisherMap f = ssd.computeOwnFullFisher(model, context);
        if (!Distributed.current().isLeader()) return f;
        try {
            if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
            f.save(file);
            return f;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static FisherMap read(Path file, Ssd ssd, ImageModel model, UnlearnContext context, Consumer<String> say) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + " exists and is not a file");
        FisherMap f;
        try {
            f = FisherMap.load(file, model);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        FullFisherProvenance made = FullFisherProvenance.fromTags(f.tags());
        String fix = "; delete it or name another file, and it is computed again for this run";
        if (made == null) {
            f.close();
            throw new IllegalArgumentException(file + " records no provenance of its I_D (order of D, Fisher kind, batch size, "
                    + "model, split): it was made another way or by an earlier version" + fix);
        }
        List<String> diff = made.differencesFrom(ssd.expectedProvenance(model, context));
        if (!diff.isEmpty()) {
            f.close();
            throw new IllegalArgumentException(file + " holds another I_D than this run computes: " + String.join("; ", diff) + fix);
        }
        say.accept("SSD's I_D read from " + file + " (" + made.kind() + ", batch " + made.batchSize() + ", Dr then Df)");
        return f;
    }
}
