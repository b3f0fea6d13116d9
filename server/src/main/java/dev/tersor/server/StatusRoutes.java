package dev.tersor.server;

import com.sun.net.httpserver.HttpExchange;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The routes that tell about the server: {@code /health}, {@code /info}, {@code /metrics} and {@code /v1/models}. */
final class StatusRoutes {

    private final ServerInfo info;
    private final Metrics metrics;
    private final Batcher batcher;

    StatusRoutes(ServerInfo info, Metrics metrics, Batcher batcher) {
        this.info = info;
        this.metrics = metrics;
        this.batcher = batcher;
    }

    Reply health(HttpExchange exchange) {
        return Reply.json(TeiFormat.healthy());
    }

    Reply info(HttpExchange exchange) {
        return Reply.json(TeiFormat.info(info));
    }

    Reply models(HttpExchange exchange) {
        return Reply.json(OpenAiFormat.models(info.modelId()));
    }

    Reply metrics(HttpExchange exchange) {
        return new Reply(200, Reply.PROMETHEUS, metrics.text(batcher.queued()).getBytes(StandardCharsets.UTF_8), Map.of());
    }
}
