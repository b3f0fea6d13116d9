package dev.tersor.bench.model;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory of this process as the model suite reports it: resident set and its peak from
 * {@code /proc/self/status} (Linux; −1 elsewhere), and the off-heap bytes the JVM tracks (native
 * segments and direct buffers, plus mapped buffers). ONNX Runtime's own allocations are invisible
 * to the JVM, so for it only the resident figures mean anything.
 */
public final class Memory {

    private Memory() {
    }

    /** Current resident set in bytes ({@code VmRSS}). */
    public static long residentBytes() {
        return status("VmRSS:");
    }

    /** Peak resident set of the process so far ({@code VmHWM}). */
    public static long peakResidentBytes() {
        return status("VmHWM:");
    }

    /** Bytes in the JVM's direct and mapped buffer pools. */
    public static long offHeapBytes() {
        long total = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getMemoryUsed() > 0) {
                total += pool.getMemoryUsed();
            }
        }
        return total;
    }

    private static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
