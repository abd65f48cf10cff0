// Counters of a backend's allocator: bytes in use now and at most, and how many allocations and frees.
package ai.lethe.backend;

public record MemoryStats(long liveBytes, long peakBytes, long allocations, long frees) {}
