package dev.tersor.server;

/**
 * What went wrong with a request, and how each API says it: the HTTP status, OpenAI's error
 * {@code type}, text-embeddings-inference's {@code error_type}, and the {@code err} label of the
 * {@code te_request_failure} metric. The statuses are TEI's where TEI has the case.
 */
public enum ErrorKind {
    /** No input, or an empty text. */
    EMPTY(400, "invalid_request_error", "Empty", "empty"),
    /** A body that is not JSON of the expected shape, or a parameter out of range. */
    INVALID_REQUEST(400, "invalid_request_error", "Validation", "validation"),
    /** A missing or wrong API key. */
    UNAUTHORIZED(401, "authentication_error", "Unauthorized", "unauthorized"),
    /** No such route. */
    NOT_FOUND(404, "invalid_request_error", "NotFound", "not_found"),
    /** A route called with the wrong HTTP method. */
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "MethodNotAllowed", "method_not_allowed"),
    /** A body over the payload limit, more inputs than allowed, or a text too long with truncation off. */
    TOO_LARGE(413, "invalid_request_error", "Validation", "validation"),
    /** Input the tokenizer cannot take: text that is not Unicode, token ids outside the vocabulary. */
    TOKENIZER(422, "invalid_request_error", "Tokenizer", "tokenizer"),
    /** Every request slot is taken. */
    OVERLOADED(429, "rate_limit_error", "Overloaded", "overloaded"),
    /** The model failed on input that passed every check. */
    BACKEND(500, "server_error", "Backend", "backend"),
    /** The server is shutting down. */
    UNHEALTHY(503, "server_error", "Unhealthy", "unhealthy");

    private final int status;
    private final String openAiType;
    private final String teiType;
    private final String metricLabel;

    ErrorKind(int status, String openAiType, String teiType, String metricLabel) {
        this.status = status;
        this.openAiType = openAiType;
        this.teiType = teiType;
        this.metricLabel = metricLabel;
    }

    public int status() {
        return status;
    }

    public String openAiType() {
        return openAiType;
    }

    public String teiType() {
        return teiType;
    }

    public String metricLabel() {
        return metricLabel;
    }
}
