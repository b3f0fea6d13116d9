package dev.tersor.server;

import java.util.Objects;

/** A request the server refuses: its {@link ErrorKind}, the parameter at fault (or null) and a message for the caller. */
public final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final String param;

    public ApiException(ErrorKind kind, String param, String message) {
        this(kind, param, message, null);
    }

    public ApiException(ErrorKind kind, String param, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.param = param;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The request field at fault, such as {@code input} or {@code dimensions}; null when none is. */
    public String param() {
        return param;
    }
}
