package dev.tersor.kernels;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelismTest {

    @Property(tries = 300)
    void balanceCutsNonEmptyOrderedRangesCoveringAllRows(@ForAll @IntRange(min = 1, max = 5000) int rows,
                                                         @ForAll @IntRange(min = 1, max = 16) int parts,
                                                         @ForAll @IntRange(min = 0, max = 50) int skew) {
        // work grows with the row index when skew > 0, so equal-work ranges are unequal in rows
        int[] bounds = Parallelism.balance(rows, parts, r -> r * (long) skew * r / 10);
        assertThat(bounds[0]).isZero();
        assertThat(bounds[bounds.length - 1]).isEqualTo(rows);
        assertThat(bounds.length - 1).isBetween(1, Math.min(parts, rows));
        for (int i = 1; i < bounds.length; i++) {
            assertThat(bounds[i]).isGreaterThan(bounds[i - 1]);
        }
    }

    @Test
    void balanceSplitsEqualWorkEvenly() {
        assertThat(Parallelism.balance(100, 4, r -> 10L * r)).containsExactly(0, 25, 50, 75, 100);
        // all the work in the last row: it gets a range of its own
        int[] bounds = Parallelism.balance(100, 2, r -> r == 100 ? 1_000_000 : 0);
        assertThat(bounds).containsExactly(0, 99, 100);
    }

    @Test
    void everyRowRunsExactlyOnce() {
        for (int threads : new int[]{1, 2, 3, 8}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(1000);
            Parallelism.of(threads).forEachRange(1000, r -> r, (start, end) -> {
                for (int r = start; r < end; r++) {
                    seen.incrementAndGet(r);
                }
            });
            for (int r = 0; r < 1000; r++) {
                assertThat(seen.get(r)).as("row " + r + " on " + threads + " threads").isEqualTo(1);
            }
        }
    }

    @Test
    void smallCallsStayOnTheCaller() {
        Thread caller = Thread.currentThread();
        java.util.List<Thread> runners = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Parallelism.of(2).forEachRange(1000, r -> r, 10_000, (start, end) -> runners.add(Thread.currentThread()));
        assertThat(runners).containsExactly(caller);
        runners.clear();
        // 2000 units of work, 1000 per part: two ranges
        Parallelism.of(2).forEachRange(1000, r -> r, 1000, (start, end) -> runners.add(Thread.currentThread()));
        assertThat(runners).hasSize(2);
        assertThatThrownBy(() -> Parallelism.of(2).forEachRange(10, r -> r, 0, (start, end) -> { }))
                .hasMessageContaining("minPartWork");
    }

    /** Many callers share one pool at once, as threads of a server share a model: every row of every call runs once. */
    @Test
    void concurrentCallersShareThePool() throws Exception {
        int callers = 8;
        int callsEach = 300;
        Parallelism parallelism = Parallelism.of(3);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
        try {
            java.util.List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int c = 0; c < callers; c++) {
                results.add(pool.submit(() -> {
                    for (int call = 0; call < callsEach; call++) {
                        int rows = 1 + call % 97;
                        AtomicIntegerArray seen = new AtomicIntegerArray(rows);
                        parallelism.forEachRange(rows, r -> r, (start, end) -> {
                            for (int r = start; r < end; r++) {
                                seen.incrementAndGet(r);
                            }
                        });
                        for (int r = 0; r < rows; r++) {
                            if (seen.get(r) != 1) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (java.util.concurrent.Future<Boolean> result : results) {
                assertThat(result.get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Workers park when idle and wake for the next call, however long the pause. */
    @Test
    void workersWakeAfterParking() throws Exception {
        Parallelism parallelism = Parallelism.of(2);
        for (int round = 0; round < 3; round++) {
            Thread.sleep(5); // far beyond the spin: the worker has parked
            java.util.Set<Thread> runners = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.concurrent.CountDownLatch both = new java.util.concurrent.CountDownLatch(2);
            parallelism.forEachRange(2, r -> r, (start, end) -> {
                runners.add(Thread.currentThread());
                both.countDown();
                try {
                    // each range waits for the other: only two threads at once can finish this call
                    assertThat(both.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(runners).hasSize(2);
        }
    }

    @Test
    void failuresOnWorkerThreadsReachTheCaller() {
        assertThatThrownBy(() -> Parallelism.of(2).forEachRange(100, r -> r, (start, end) -> {
            if (start > 0) {
                throw new IllegalStateException("boom in " + start);
            }
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("boom");
        assertThatThrownBy(() -> Parallelism.of(0)).hasMessageContaining("at least 1");
        assertThat(Parallelism.of(3)).isSameAs(Parallelism.of(3));
        assertThat(Parallelism.of(1)).isSameAs(Parallelism.single());
    }
}
