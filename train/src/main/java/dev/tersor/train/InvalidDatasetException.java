package dev.tersor.train;

/** A data set file that is missing, truncated or not what it claims; the message is one line naming it. */
public final class InvalidDatasetException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidDatasetException(String message) {
        super(message);
    }

    public InvalidDatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
