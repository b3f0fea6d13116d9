package dev.tersor.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Calls an operation until the JIT has settled on it, before JMH's warm-up iterations: time-boxed
 * warm-up alone would measure a half-compiled kernel when one call takes a large share of an
 * iteration. Settled means that for {@value #QUIET_NANOS} ns (and three calls' time) no call beat the
 * fastest so far by 10 % and the JIT finished no compilation.
 */
public final class Settle {

    /** How long the operation must stop getting faster. */
    static final long QUIET_NANOS = 300_000_000L;

    private Settle() {
    }

    /** Calls {@code operation} until settled or {@code budgetNanos} runs out (at least three calls); returns the calls made. */
    public static int run(Runnable operation, long budgetNanos) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean watchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long best = Long.MAX_VALUE;
        long lastChange = start;
        long compiled = watchJit ? jit.getTotalCompilationTime() : 0;
        int calls = 0;
        while (true) {
            long t0 = System.nanoTime();
            operation.run();
            long now = System.nanoTime();
            calls++;
            long jitTime = watchJit ? jit.getTotalCompilationTime() : 0;
            if (now - t0 < best * 0.9 || jitTime != compiled) {
                lastChange = now;
                compiled = jitTime;
            }
            best = Math.min(best, now - t0);
            boolean settled = now - lastChange >= Math.max(QUIET_NANOS, 3 * best);
            if (calls >= 3 && (settled || now - start >= budgetNanos)) {
                return calls;
            }
        }
    }
}
