package dev.tersor.format;

/**
 * A layout breaks its format's invariants: a pointer past the end or going backwards, an index out
 * of range, counts that do not add up, a wrong element type. Thrown before any kernel sees the
 * layout.
 */
public class InvalidLayoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidLayoutException(String message) {
        super(message);
    }
}
