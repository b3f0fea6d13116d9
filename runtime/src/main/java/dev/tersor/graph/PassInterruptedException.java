package dev.tersor.graph;

/**
 * A thread was interrupted while its pass waited for a turn to run (a model runs a bounded number of
 * passes at once). The thread's interrupt flag is set again, so the caller's own cancellation sees it.
 */
public class PassInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PassInterruptedException(String message, InterruptedException cause) {
        super(message, cause);
    }
}
