// Dropout: in training, each element is kept with probability 1 − p and scaled by 1/(1 − p); the mask comes
// from the seeded Philox generator, so a seed gives the same mask on every backend. Under a data-parallel shard
// (BatchShard: this rank holds samples [offset, offset + local) of a global batch) the mask is this rank's slice of the
// mask one process draws for the whole global batch: the generator reserves the global draw (so every rank's counter
// moves as one process's does) and the rank draws from the Philox element where its first sample starts.
package ai.lethe.tensor;

import ai.lethe.backend.RandomKind;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;

public final class Dropout {
    private Dropout() {}

    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
        Ops.check("dropout", x);
        Ops.requireFloat("dropout", x);
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
        if (!training || p == 0) return x;
        if (p == 1) return x.mul(0.0);
        Tensor mask;
        try (var _ = GradMode.noGrad()) {
            BatchShard shard = BatchShard.current();
            Tensor keep = shard == null ? Tensor.bernoulli(x.shape(), 1 - p, gen, x.device()) : shardOfGlobalMask(x, 1 - p, gen, shard);
            mask = x.dtype() == keep.dtype() ? keep : keep.to(x.dtype());
            mask.mulInPlace(1.0 / (1 - p));
        }
        return x.mul(mask);
    }

    /**
     * Rank's slice of the Bernoulli mask of a global batch: x holds shard.local() samples of E elements each (sample
     * outermost); one process draws global × E elements from block c, element g in word g % 4 of block c + g / 4. The
     * rank's elements start at g0 = offset × E: it draws r + local × E elements from block c + g0 / 4 (r = g0 % 4) and
     * drops the first r.
     */
    private static Tensor shardOfGlobalMask(Tensor x, double keep, Generator gen, BatchShard shard) {
        long n = x.shape().numel();
        if (n % shard.local() != 0)
            throw new IllegalStateException("dropout under a data-parallel shard of " + shard.local() + " samples: a tensor of shape "
                    + x.shape() + " does not hold whole samples");
        long perSample = n / shard.local(), start = shard.offset() * perSample;
        long first = gen.reserve(RandomKind.BERNOULLI, shard.global() * perSample);
        int skip = (int) (start % 4);
        Tensor drawn = Tensor.randomAt(RandomKind.BERNOULLI, Shape.of(skip + n), keep, 0, gen.seed(), first + start / 4,
                DType.FLOAT32, x.device());
        return (skip == 0 ? drawn : drawn.slice(0, skip, skip + n)).reshape(x.shape());   // a view of the draw
    }
}
