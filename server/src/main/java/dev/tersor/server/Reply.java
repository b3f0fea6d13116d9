package dev.tersor.server;

import java.util.Map;
import java.util.Objects;

/**
 * An HTTP answer: status, content type, body and any further headers.
 */
record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {

    static final String JSON = "application/json";
    /** Prometheus' text exposition format. */
    static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    Reply {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
        body = body.clone();
    }

    static Reply json(byte[] body) {
        return new Reply(200, JSON, body, Map.of());
    }

    @Override
    public byte[] body() {
        return body.clone();
    }
}
