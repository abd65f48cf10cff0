// Merges dimensions start..end (inclusive, negative from the end) into one (torch.nn.Flatten; default 1..-1).
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class Flatten extends Module {
    private final int start, end;

    public Flatten() { this(1, -1); }

    public Flatten(int start, int end) {
        this.start = start;
        this.end = end;
    }

    @Override protected Tensor compute(Tensor x) {
        return x.flatten(start, end);
    }

    @Override protected String extraRepr() { return "start_dim=" + start + ", end_dim=" + end; }
}
