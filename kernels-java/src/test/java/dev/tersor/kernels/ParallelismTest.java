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
