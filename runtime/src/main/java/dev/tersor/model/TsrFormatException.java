package dev.tersor.model;

import dev.tersor.graph.InvalidModelException;

/**
 * A {@code .tsr} file is truncated, corrupted or hostile: bad header, offsets out of bounds, a
 * checksum mismatch, an array that breaks its format's invariants. Thrown before anything runs.
 */
public class TsrFormatException extends InvalidModelException {
    private static final long serialVersionUID = 1L;

    public TsrFormatException(String message) {
        super(message);
    }

    public TsrFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
