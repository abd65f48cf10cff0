// How unlearning runs are executed and evaluated: the device, loader workers and evaluation batch size, the
// membership-inference feature, an optional cached Fisher diagonal of the full training set (SSD's I_D), and
// the training recipe Retrain uses, and whether batch norm uses global-batch statistics over data-parallel ranks
// (SyncBatchNorm2d: `lethe unlearn --sync-bn`).
package ai.lethe.experiment;

import ai.lethe.core.Device;
import ai.lethe.eval.MiaOptions;
import ai.lethe.fisher.FisherMap;
import ai.lethe.train.TrainConfig;
import java.util.Optional;

public record JobSettings(Device device, int workers, int evalBatchSize, String miaFeature, Optional<FisherMap> fullFisher,
                          TrainConfig recipe, boolean syncBatchNorm) {
    /** Per-rank batch-norm statistics (the default, as PyTorch DDP). */
    public JobSettings(Device device, int workers, int evalBatchSize, String miaFeature, Optional<FisherMap> fullFisher,
                       TrainConfig recipe) {
        this(device, workers, evalBatchSize, miaFeature, fullFisher, recipe, false);
    }

    public JobSettings {
        if (workers < 0) throw new IllegalArgumentException("workers must be >= 0, got " + workers);
        if (evalBatchSize <= 0) throw new IllegalArgumentException("evaluation batch size must be positive, got " + evalBatchSize);
        fullFisher = fullFisher == null ? Optional.empty() : fullFisher;
        if (!miaFeature.equals("confidence") && !miaFeature.equals("entropy"))
            throw new IllegalArgumentException("MIA feature must be confidence or entropy, got '" + miaFeature + "'");
    }

    /** The attacks' options: the papers' defaults with this feature. */
    public MiaOptions mia() {
        return MiaOptions.defaults().withFeature(miaFeature.equals("entropy") ? MiaOptions.Feature.ENTROPY : MiaOptions.Feature.CONFIDENCE);
    }
}
