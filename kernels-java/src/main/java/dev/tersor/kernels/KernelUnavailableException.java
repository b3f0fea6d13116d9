package dev.tersor.kernels;

/** A kernel provider cannot run in this JVM; the message says why. */
public final class KernelUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KernelUnavailableException(String message) {
        super(message);
    }

    public KernelUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
