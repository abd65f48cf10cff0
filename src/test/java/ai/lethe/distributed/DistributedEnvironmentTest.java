// DistributedEnvironment on maps of variables, as each launcher sets them: Open MPI's mpirun, PMI (MPICH/Intel),
// Slurm's srun (and an sbatch script, which is not a rank), `lethe launch`; the precedence among them, the
// communicator kind per device, the rank's GPU (CUDA_VISIBLE_DEVICES), and errors naming the bad variable.
package ai.lethe.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.distributed.DistributedEnvironment.Kind;
import ai.lethe.distributed.DistributedEnvironment.Launcher;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DistributedEnvironmentTest {

    @Test
    void noLauncherIsASingleProcess() {
        DistributedEnvironment e = DistributedEnvironment.from(Map.of("PATH", "/usr/bin", "HOME", "/root"));
        assertSame(DistributedEnvironment.SINGLE, e);
        assertFalse(e.distributed());
        assertEquals(Kind.SINGLE, e.kindFor(Device.CPU));
        assertEquals(Kind.SINGLE, e.kindFor(Device.cuda(0)));
        assertSame(SingleProcess.INSTANCE, e.connect(Device.CPU));
        assertNull(e.visibleDevices(null));
    }

    @Test
    void openMpi() {
        DistributedEnvironment e = DistributedEnvironment.from(Map.of("OMPI_COMM_WORLD_RANK", "3", "OMPI_COMM_WORLD_SIZE", "4",
                "OMPI_COMM_WORLD_LOCAL_RANK", "1"));
        assertEquals(new DistributedEnvironment(3, 4, 1, Launcher.OPEN_MPI, null), e);
        assertTrue(e.distributed());
        assertEquals(Kind.MPI, e.kindFor(Device.CPU));
        assertEquals(Kind.MPI, e.kindFor(new Device("cuda-emu", 0)));
        assertEquals(Kind.NCCL, e.kindFor(Device.cuda(0)));
    }

    @Test
    void pmi() {
        DistributedEnvironment e = DistributedEnvironment.from(Map.of("PMI_RANK", "1", "PMI_SIZE", "2"));
        assertEquals(new DistributedEnvironment(1, 2, 0, Launcher.PMI, null), e);
        e = DistributedEnvironment.from(Map.of("PMI_RANK", "5", "PMI_SIZE", "8", "MPI_LOCALRANKID", "1"));
        assertEquals(new DistributedEnvironment(5, 8, 1, Launcher.PMI, null), e);
    }

    @Test
    void slurmStepButNotTheBatchScript() {
        // what srun gives each task of `srun --ntasks=8` on 2 nodes: task 6 is local task 2 of the second node
        DistributedEnvironment e = DistributedEnvironment.from(Map.of("SLURM_PROCID", "6", "SLURM_STEP_NUM_TASKS", "8",
                "SLURM_NTASKS", "8", "SLURM_LOCALID", "2", "SLURM_STEP_ID", "0", "SLURM_JOB_ID", "42"));
        assertEquals(new DistributedEnvironment(6, 8, 2, Launcher.SLURM, null), e);
        // the step's own task count wins over the job's
        e = DistributedEnvironment.from(Map.of("SLURM_PROCID", "1", "SLURM_STEP_NUM_TASKS", "2", "SLURM_NTASKS", "16",
                "SLURM_LOCALID", "1"));
        assertEquals(2, e.size());
        // an sbatch script with --ntasks=4 has SLURM_PROCID=0 and SLURM_NTASKS=4 but is one process
        e = DistributedEnvironment.from(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "4", "SLURM_LOCALID", "0",
                "SLURM_JOB_ID", "42"));
        assertSame(DistributedEnvironment.SINGLE, e);
    }

    @Test
    void letheLaunchWinsAndCarriesTheMaster() {
        // `lethe launch` inside a Slurm allocation (and under a stale mpirun variable): LETHE_* decide
        DistributedEnvironment e = DistributedEnvironment.from(Map.of("LETHE_RANK", "1", "LETHE_WORLD_SIZE", "2",
                "LETHE_LOCAL_RANK", "1", "LETHE_MASTER", "node7:29500", "SLURM_PROCID", "0", "SLURM_STEP_NUM_TASKS", "1",
                "OMPI_COMM_WORLD_SIZE", "1"));
        assertEquals(new DistributedEnvironment(1, 2, 1, Launcher.LETHE, "node7:29500"), e);
        assertTrue(e.describe().contains("rank 1 of 2") && e.describe().contains("node7:29500"), e.describe());
    }

    @Test
    void masterFromTorchStyleVariables() {
        DistributedEnvironment e = DistributedEnvironment.from(Map.of("OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_SIZE", "2",
                "MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "1234"));
        assertEquals("10.0.0.1:1234", e.master());
    }

    @Test
    void oneGpuPerRank() {
        DistributedEnvironment e = new DistributedEnvironment(3, 4, 1, Launcher.SLURM, null);
        assertEquals("1", e.visibleDevices(null));                 // GPU <local rank>
        assertEquals("1", e.visibleDevices(""));
        assertEquals("6", e.visibleDevices("4,6"));                // the local rank's entry of a list
        assertNull(e.visibleDevices("GPU-abc"));                   // srun --gpus-per-task=1 already chose one
        assertEquals(Device.cuda(0), e.deviceFor(Device.cuda(0))); // the only visible device
        assertEquals(Device.CPU, e.deviceFor(Device.CPU));
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> new DistributedEnvironment(2, 4, 2, Launcher.SLURM, null).visibleDevices("0,1"));
        assertTrue(x.getMessage().contains("CUDA_VISIBLE_DEVICES=0,1"), x.getMessage());
    }

    @Test
    void badValuesNameTheVariable() {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> DistributedEnvironment.from(Map.of("OMPI_COMM_WORLD_RANK", "two", "OMPI_COMM_WORLD_SIZE", "4")));
        assertTrue(x.getMessage().contains("OMPI_COMM_WORLD_RANK=two"), x.getMessage());
        x = assertThrows(IllegalArgumentException.class,
                () -> DistributedEnvironment.from(Map.of("LETHE_RANK", "2", "LETHE_WORLD_SIZE", "2")));
        assertTrue(x.getMessage().contains("LETHE_RANK=2") && x.getMessage().contains("0..1"), x.getMessage());
        x = assertThrows(IllegalArgumentException.class,
                () -> DistributedEnvironment.from(Map.of("PMI_RANK", "0", "PMI_SIZE", "0")));
        assertTrue(x.getMessage().contains("PMI_SIZE=0"), x.getMessage());
    }
}
