// The NCCL case of benchmarks/gpu/device-check, for a lent machine with two GPUs or more: starts 2 ranks of
// NcclCheck itself (LocalLauncher, as `lethe launch` does on cuda: LETHE_RANK/WORLD_SIZE/LOCAL_RANK, LETHE_MASTER on
// a free localhost port, one GPU each through CUDA_VISIBLE_DEVICES), and each rank joins NCCL
// (Distributed.joinFromEnvironment: unique id over TcpRendezvous, ncclCommInitRank) and checks all-reduce (float32,
// float64, a strided view), the async bucket (ncclGroupStart/End), broadcast from each root and barrier against
// exact values on cuda tensors, printing PASS. Usage: NcclCheck [RANKS] (launcher) — exit 0 when every rank passed,
// 4 when libnccl.so.2 cannot be loaded ("nccl check skipped: why").
// The ranks' own entry is NcclCheck --rank (reading the environment).
package ai.lethe.distributed;

import static ai.lethe.distributed.MpiCollectivesRanks.check;
import static ai.lethe.distributed.MpiCollectivesRanks.expect;
import static ai.lethe.distributed.MpiCollectivesRanks.filled;

import ai.lethe.backend.Backends;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.tensor.Tensor;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public final class NcclCheck {
    private NcclCheck() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--rank")) {
            rank();
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        String why = NcclCommunicator.unavailableReason();
        if (why != null) {
            System.out.println("nccl check skipped: " + why);
            System.exit(4);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NcclCheck.class.getName(), "--rank"));
        List<LocalLauncher.RankSpec> ranks = new ArrayList<>();
        for (int r = 0; r < n; r++)
            ranks.add(new LocalLauncher.RankSpec(cmd, Map.of("LETHE_RANK", "" + r, "LETHE_WORLD_SIZE", "" + n,
                    "LETHE_LOCAL_RANK", "" + r, "LETHE_MASTER", "localhost:" + port, "CUDA_VISIBLE_DEVICES", "" + r)));
        PrintWriter out = new PrintWriter(System.out, true), err = new PrintWriter(System.err, true);
        int status = LocalLauncher.runRanks(ranks, out, err, Duration.ofSeconds(5));
        out.println(status == 0 ? "nccl check: " + n + " ranks passed" : "nccl check: FAILED (status " + status + ")");
        System.exit(status);
    }

    private static void rank() {
        Device device = Device.cuda(0);
        Communicator c = Distributed.joinFromEnvironment(device);
        Backends.setDefaultDevice(device);
        int rank = c.rank(), size = c.size();
        System.out.println("rank " + rank + " of " + size + " on " + device + " via " + c.name() + " (NCCL "
                + NcclCommunicator.libraryVersion() + ")");
        check(c.name().equals("nccl"), "the communicator is NCCL");
        double ranksSum = size * (size + 1) / 2.0;
        try (Tensor t = filled(device, DType.FLOAT32, 1 << 20, i -> (rank + 1) * (i % 1000 + 1.0));
             Tensor d = filled(device, DType.FLOAT64, 777, i -> (rank + 1) * (i + 0.125))) {
            c.allReduceSum(t);
            c.allReduceSum(d);
            expect(t, i -> (i % 1000 + 1.0) * ranksSum, "ncclAllReduce float32");
            expect(d, i -> (i + 0.125) * ranksSum, "ncclAllReduce float64");
        }
        try (Tensor base = filled(device, DType.FLOAT32, 12, i -> (rank + 1) * i);
             Tensor m = base.reshape(3, 4); Tensor view = m.transpose(0, 1)) {
            c.allReduceSum(view);
            expect(base, i -> i * ranksSum, "ncclAllReduce of a transposed view");
        }
        try (Tensor a = filled(device, DType.FLOAT32, 4096, i -> rank + i);
             Tensor b = filled(device, DType.FLOAT64, 3, i -> rank * 10.0 + i)) {
            c.allReduceSumAsync(List.of(a, b)).await();
            double rs = size * (size - 1) / 2.0;
            expect(a, i -> rs + size * (double) i, "grouped ncclAllReduce float32");
            expect(b, i -> rs * 10.0 + size * (double) i, "grouped ncclAllReduce float64");
        }
        for (int root = 0; root < size; root++) {
            int rt = root;
            try (Tensor t = filled(device, DType.FLOAT32, 100, i -> rank == rt ? 1000.0 * rt + i : -1)) {
                c.broadcast(t, root);
                expect(t, i -> 1000.0 * rt + i, "ncclBroadcast from root " + root);
            }
        }
        c.barrier();
        Distributed.leave();
        System.out.println("PASS");
    }
}
