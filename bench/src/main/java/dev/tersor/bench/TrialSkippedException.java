package dev.tersor.bench;

/**
 * A trial that cannot run for a reason that is not a bug: the format cannot encode this matrix, or
 * the kernel provider is not available in this JVM. The trial is left out and the reason reported.
 */
public final class TrialSkippedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TrialSkippedException(String message, Throwable cause) {
        super(message, cause);
    }
}
