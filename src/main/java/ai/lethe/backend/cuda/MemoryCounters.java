// The device memory a runtime has handed out: bytes live now, the most live at once, and live allocations.
package ai.lethe.backend.cuda;

/** Counters of a DeviceRuntime's allocations (requested bytes, not the rounded or guarded sizes). */
public record MemoryCounters(long liveBytes, long peakBytes, long liveAllocations) {}
