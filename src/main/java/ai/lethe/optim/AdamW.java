// AdamW (torch.optim.AdamW, amsgrad off): decoupled weight decay θ ← θ·(1 − lr·wd) before the Adam update.
// Default weight decay 0.01, as PyTorch's.
package ai.lethe.optim;

import ai.lethe.tensor.Tensor;
import java.util.List;

public final class AdamW extends AdamBase {
    /** PyTorch's default weight decay for AdamW. */
    public static final double DEFAULT_WEIGHT_DECAY = 0.01;

    private AdamW(List<ParamGroup<AdamOptions>> groups) { super("AdamW", groups, true); }

    /** A builder whose first group is {@code params}. */
    public static Builder<AdamW> builder(Iterable<Tensor> params) { return builder().group(params); }

    /** A builder with no groups yet: add them with {@code group(...)}. */
    public static Builder<AdamW> builder() { return new Builder<>(DEFAULT_WEIGHT_DECAY, AdamW::new); }
}
