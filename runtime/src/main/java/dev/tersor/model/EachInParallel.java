package dev.tersor.model;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Runs independent per-weight work of loading (checksums and layout checks, statistics,
 * transcoding) on the common pool. It returns only once every call has finished, so nothing is
 * still building a matrix when a failure is reported and the caller can free all it made; the
 * failure it throws is the one of the lowest index, as a loop in order would have reported first.
 */
final class EachInParallel {

    private EachInParallel() {
    }

    /** Calls {@code task} for {@code 0 … count-1}, in parallel; throws the failure of the lowest index. */
    static void run(int count, IntConsumer task) {
        run(count, true, task);
    }

    /** As {@link #run(int, IntConsumer)}; in order on this thread unless {@code parallel}. */
    static void run(int count, boolean parallel, IntConsumer task) {
        Throwable[] failures = new Throwable[count];
        IntStream indices = IntStream.range(0, count);
        (parallel ? indices.parallel() : indices).forEach(i -> {
            try {
                task.accept(i);
            } catch (RuntimeException | Error e) {
                failures[i] = e;
            }
        });
        for (Throwable failure : failures) {
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
        }
    }
}
