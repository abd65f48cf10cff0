// Adam (torch.optim.Adam, amsgrad off): weight decay is an L2 term added to the gradient before the moment
// updates. Default weight decay 0.
package ai.lethe.optim;

import ai.lethe.tensor.Tensor;
import java.util.List;

public final class Adam extends AdamBase {
    private Adam(List<ParamGroup<AdamOptions>> groups) { super("Adam", groups, false); }

    /** A builder whose first group is {@code params}. */
    public static Builder<Adam> builder(Iterable<Tensor> params) { return builder().group(params); }

    /** A builder with no groups yet: add them with {@code group(...)}. */
    public static Builder<Adam> builder() { return new Builder<>(0.0, Adam::new); }
}
