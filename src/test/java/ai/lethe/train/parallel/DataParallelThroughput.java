// The measurement behind docs/distributed-scaling.md (not a test): trains ResNet18 at width 8 on Fashion-MNIST with
// the Trainer for 2 epochs of `steps` global batches of 64 and prints rank 0's training throughput of the second epoch
// (samples of the global batch per second). Under mpirun it joins MPI_COMM_WORLD (data-parallel over the ranks);
// started plainly it is one process. Threads per process: OMP_NUM_THREADS / OPENBLAS_NUM_THREADS.
// Arguments: steps per epoch.
package ai.lethe.train.parallel;

import ai.lethe.data.Dataset;
import ai.lethe.data.Subset;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.distributed.MpiCommunicator;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.TrainResult;
import ai.lethe.train.Trainer;
import java.util.Locale;
import java.util.stream.IntStream;

public final class DataParallelThroughput {
    private DataParallelThroughput() {}

    public static void main(String[] args) throws Exception {
        int steps = Integer.parseInt(args[0]), batch = 64;
        if (System.getenv("OMPI_COMM_WORLD_SIZE") != null) Distributed.join(MpiCommunicator.world());
        Communicator comm = Distributed.current();
        Pipeline p = Pipeline.load("fashion-mnist", true, 0);
        Dataset train = new Subset(p.data().train(), IntStream.range(0, steps * batch).toArray(), "train");
        ResNetConfig config = new ResNetConfig(1, 10, 8, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);
        try (ImageModel model = Models.create(config, new Generator(1)).to(ai.lethe.backend.Backends.defaultDevice())) {
            TrainConfig c = TrainConfig.unlearnSparse(2).toBuilder().batchSize(batch).lr(0.05).seed(1).workers(1).build();
            TrainResult r = Trainer.builder(model, train, c).transforms(p.trainTransform(), p.evalTransform()).build().fit();
            if (comm.isLeader())
                System.out.printf(Locale.ROOT, "ranks %d, threads %s: epoch 2 %.1f samples/s (%.1f s), epoch 1 %.1f samples/s%n",
                        comm.size(), System.getenv().getOrDefault("OMP_NUM_THREADS", "default"),
                        r.history().get(1).imagesPerSecond(), r.history().get(1).seconds(), r.history().get(0).imagesPerSecond());
        }
        if (comm.size() > 1) Distributed.leave();
    }
}
