// The rank program of DataParallelMpiTest, run by MpiRun under `mpirun -np N` (MpiCommunicator, Open MPI): rank 0
// first trains a small Fashion-MNIST model as one process (SingleProcess, before joining the group), then all ranks
// train it data-parallel — through the Trainer (mode train) or the fine-tune unlearning method's TrainingLoop (mode
// finetune) — from different initialisations (rank 0's is broadcast); every rank checks that its weights are
// bit-identical to rank 0's (broadcast and compare) and rank 0 prints the largest difference from the single process.
// Models: a tiny ViT (LayerNorm, GELU) or the width-4 ResNet with synchronised batch norm.
// Arguments: device (cpu, cuda-emu), mode (train, finetune), model (vit, resnet), a folder shared by the ranks, steps
// per epoch (global batches of 32), epochs, and optionally the learning rate in thousandths (default 50).
// Prints "rank R of N", "max weight difference D" (rank 0) and, when every check passed, "PASS"; a failed check throws.
package ai.lethe.train.parallel;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.Subset;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.distributed.MpiCommunicator;
import ai.lethe.distributed.SingleProcess;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.ResNetConfig;
import ai.lethe.models.ViTConfig;
import ai.lethe.nn.SyncBatchNorm2d;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.TrainResult;
import ai.lethe.train.Trainer;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.train.FineTune;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

public final class DataParallelRanks {
    /** The width-4 ResNet (one block per stage; batch norm synchronised) and a tiny ViT (LayerNorm, GELU). */
    static final ResNetConfig RESNET = new ResNetConfig(1, 10, 4, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1));
    static final ViTConfig VIT = new ViTConfig(28, 7, 1, 10, 32, 2, 2, 4.0, true, 0, 0, 1e-6);
    static final int BATCH = 32;

    /** The state-dict entry of each value run() returns (for naming where the largest difference is). */
    static final List<String> NAMES = new ArrayList<>();

    private DataParallelRanks() {}

    public static void main(String[] args) throws Exception {
        Device device = Device.parse(args[0]);
        String mode = args[1];
        ModelConfig model = switch (args[2]) {
            case "resnet" -> RESNET;
            case "vit" -> VIT;
            default -> throw new IllegalArgumentException("model: resnet or vit, got " + args[2]);
        };
        Path shared = Path.of(args[3]);
        int steps = Integer.parseInt(args[4]), epochs = Integer.parseInt(args[5]);
        int lrPermille = args.length > 6 ? Integer.parseInt(args[6]) : 50;
        MpiCommunicator mpi = MpiCommunicator.world();
        System.out.println("rank " + mpi.rank() + " of " + mpi.size() + " on " + device + ", " + mode + " " + args[2]);
        Pipeline p = Pipeline.load("fashion-mnist", true, 0);
        Dataset train = new Subset(p.data().train(), IntStream.range(0, steps * BATCH).toArray(), "train");
        Dataset test = new Subset(p.data().test(), IntStream.range(0, 256).toArray(), "test");
        double lr = lrPermille / 1000.0;

        // the single-process reference first, on rank 0, before the process joins the group (so that code asking
        // Distributed.current(), like the unlearning methods' TrainingLoop, sees one process)
        float[] single = null;
        if (mpi.isLeader()) single = run(model, mode, device, SingleProcess.INSTANCE, train, test, p, shared.resolve("single"), epochs, 5, lr);
        mpi.barrier();
        Distributed.join(mpi);
        long started = System.nanoTime();
        float[] parallel = run(model, mode, device, mpi, train, test, p, shared.resolve("ddp"), epochs, 5 + 1000L * mpi.rank(), lr);
        double parallelSeconds = (System.nanoTime() - started) / 1e9;
        check(sameAsRankZero(mpi, parallel, device), "rank " + mpi.rank() + "'s weights are not rank 0's");
        if (mpi.isLeader()) {
            double worst = 0;
            int at = 0;
            for (int i = 0; i < single.length; i++)
                if (Math.abs(single[i] - parallel[i]) > worst) { worst = Math.abs(single[i] - parallel[i]); at = i; }
            System.out.println("max weight difference " + worst + " (" + NAMES.get(at) + ": " + single[at] + " vs " + parallel[at]
                    + ") over " + single.length + " values, "
                    + mpi.size() + " ranks " + String.format(java.util.Locale.ROOT, "%.1f s", parallelSeconds));
        }
        mpi.barrier();
        System.out.println("PASS");
        Distributed.leave();
    }

    /** Trains (or fine-tunes) a fresh model over {@code comm}'s ranks; returns its floating-point state, flattened. */
    static float[] run(ModelConfig modelConfig, String mode, Device device, Communicator comm, Dataset train, Dataset test, Pipeline p, Path out,
                       int epochs, long initSeed, double lr) throws Exception {
        try (ImageModel model = Models.create(modelConfig, new Generator(initSeed)).to(device)) {
            switch (mode) {
                case "train" -> {
                    RunFolder run = comm.isLeader() ? RunFolder.create(out) : new RunFolder(out);
                    TrainConfig config = TrainConfig.unlearnSparse(epochs).toBuilder().batchSize(BATCH).lr(lr).seed(11)
                            .workers(1).build();
                    TrainResult r = Trainer.builder(model, train, config).validation(test)
                            .transforms(p.trainTransform(), p.evalTransform()).runFolder(run).communicator(comm)
                            .syncBatchNorm(true).logEvery(25).build().fit();
                    if (comm.isLeader())
                        System.out.println(comm.size() + " rank(s): train loss " + r.last().trainLoss() + ", test accuracy "
                                + r.last().valAccuracy());
                }
                case "finetune" -> {
                    // the broadcast in TrainingLoop gives every rank rank 0's initialisation
                    SyncBatchNorm2d.convert(model, comm);
                    UnlearnContext context = new UnlearnContext(null, train, 10, null, p.evalTransform(), device, 3, 1,
                            Optional.empty(), null, List.of());
                    FineTune ft = new FineTune(new MethodOptions(FineTune.NAME, Map.of("epochs", String.valueOf(epochs),
                            "batch-size", String.valueOf(BATCH), "lr", String.valueOf(lr))));
                    List<String> log = new ArrayList<>();
                    ft.apply(model, context, log);
                    if (comm.isLeader()) log.forEach(System.out::println);
                }
                default -> throw new IllegalArgumentException("mode: train or finetune, got " + mode);
            }
            SyncBatchNorm2d.convert(model, null);
            List<Float> values = new ArrayList<>();
            NAMES.clear();
            for (var e : model.stateDict().entrySet())
                if (e.getValue().dtype().isFloatingPoint()) for (float v : e.getValue().toFloatArray()) { values.add(v); NAMES.add(e.getKey()); }
            float[] out2 = new float[values.size()];
            for (int i = 0; i < out2.length; i++) out2[i] = values.get(i);
            return out2;
        }
    }

    /** Broadcasts rank 0's values and compares them bit for bit with this rank's. */
    static boolean sameAsRankZero(Communicator comm, float[] mine, Device device) {
        try (Scope _ = Scope.open("compare")) {
            Tensor t = Tensor.fromArray(mine.clone(), device, mine.length);
            comm.broadcast(t, 0);
            return java.util.Arrays.equals(t.toFloatArray(), mine);
        }
    }

    static void check(boolean ok, String message) {
        if (!ok) throw new IllegalStateException(message);
    }
}
