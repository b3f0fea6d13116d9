package dev.tersor.compress;

/**
 * Receives progress of a long compression step (k-means iterations, columns of an error-compensating
 * pass). A step reports {@code done = 0} when it starts and {@code done = total} when it ends, with
 * non-decreasing values in between; {@code total} may be an upper bound when the step can stop
 * early (converged iterations), in which case the last report jumps to {@code total}.
 *
 * <p>Calls come from the thread doing the work; a listener must be quick and must not throw.
 */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that ignores every report. */
    ProgressListener NONE = (task, done, total) -> {
    };

    /**
     * @param task  short name of the step, e.g. {@code "k-means"}
     * @param done  units finished so far
     * @param total units in the whole step
     */
    void progress(String task, long done, long total);
}
