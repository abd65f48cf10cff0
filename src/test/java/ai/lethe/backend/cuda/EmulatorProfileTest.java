// The emulator's per-kernel profile (lethe_emu_profile, printed at exit with LETHE_EMU_PROFILE=1): after a reset,
// launches of a kernel only this test uses show up on its line with the right launch, block and thread counts.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.cpu.NativeFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EmulatorProfileTest {
    @Test
    void theProfileCountsLaunchesBlocksAndThreadsPerKernel() throws Throwable {
        try (EmulatedRuntime rt = EmulatorSupport.open(); Arena arena = Arena.ofConfined()) {
            // the library EmulatedRuntime loaded (in place under target/classes): the same handle, the same profile
            URL url = EmulatedRuntime.class.getClassLoader().getResource(EmulatedRuntime.RESOURCE_DIR + EmulatedRuntime.LIBRARY_NAME);
            assertNotNull(url);
            Path path = NativeFiles.inPlace(url);
            assertNotNull(path, "the emulator is not in place under target/classes: " + url);
            SymbolLookup lib = SymbolLookup.libraryLookup(path, Arena.global());
            Linker linker = Linker.nativeLinker();
            MethodHandle profile = linker.downcallHandle(lib.find("lethe_emu_profile").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            MethodHandle reset = linker.downcallHandle(lib.find("lethe_emu_profile_reset").orElseThrow(), FunctionDescriptor.ofVoid());

            reset.invokeExact();
            for (int i = 0; i < 3; i++)
                rt.launch("emu_profile_probe", new Dim3(5, 2, 1), new Dim3(64, 2, 1), 0, Stream.DEFAULT, new KernelArgs().i32(i));
            MemorySegment buf = arena.allocate(1 << 16);
            int length = (int) profile.invokeExact(buf, buf.byteSize());
            String text = buf.getString(0);
            assertEquals(length, text.length(), text);
            assertTrue(text.startsWith("lethe cuda-emu profile: "), text);
            String line = Arrays.stream(text.split("\n")).filter(l -> l.startsWith("emu_profile_probe ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no line for emu_profile_probe in:\n" + text));
            String[] cells = line.trim().split("\\s+");
            // kernel, launches, blocks, threads, ms, %, guard ms, us/launch
            assertEquals(8, cells.length, line);
            assertEquals("3", cells[1], line);
            assertEquals("30", cells[2], line);               // 3 launches x 10 blocks
            assertEquals(String.valueOf(3 * 10 * 128), cells[3], line);
            assertTrue(Double.parseDouble(cells[4]) >= 0 && Double.parseDouble(cells[6]) <= Double.parseDouble(cells[4]), line);
        }
    }
}
