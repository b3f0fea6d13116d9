package dev.tersor.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Sends each request to its route by exact path and method, checks the API key, and turns every
 * failure into a JSON error in the dialect of the route's API (OpenAI's under {@code /v1/},
 * text-embeddings-inference's elsewhere): no request, however bad, escapes as an exception. Failures
 * on the embedding routes are counted in the metrics.
 */
final class Router implements HttpHandler {

    private static final System.Logger LOG = System.getLogger(Router.class.getName());

    /** Answers one request. */
    @FunctionalInterface
    interface Handler {
        Reply handle(HttpExchange exchange) throws IOException;
    }

    /**
     * @param method   the one HTTP method the route takes
     * @param open     whether it answers without the API key (health checks, metric scrapes)
     * @param counted  whether it is an embedding route, counted in the request metrics
     */
    record Route(String method, boolean open, boolean counted, Handler handler) {
    }

    private final Map<String, Route> routes;
    private final ApiKey apiKey;
    private final Metrics metrics;

    Router(Map<String, Route> routes, ApiKey apiKey, Metrics metrics) {
        this.routes = Map.copyOf(routes);
        this.apiKey = apiKey;
        this.metrics = metrics;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Function<ApiException, byte[]> errors = path.startsWith("/v1/") ? OpenAiFormat::error : TeiFormat::error;
            Route route = routes.get(path);
            Reply reply;
            try {
                reply = answer(exchange, path, route);
            } catch (ApiException e) {
                reply = error(e, errors, route);
            } catch (IOException e) {
                // The client went away or sent a broken body; try to tell it, as the connection may still be open.
                reply = error(new ApiException(ErrorKind.INVALID_REQUEST, null, "the request could not be read: " + e.getMessage()),
                        errors, route);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "request to " + path + " failed", e);
                reply = error(new ApiException(ErrorKind.BACKEND, null, "the server failed: " + e), errors, route);
            }
            send(exchange, reply);
        }
    }

    private Reply answer(HttpExchange exchange, String path, Route route) throws IOException {
        if (route == null) {
            throw new ApiException(ErrorKind.NOT_FOUND, null, "no route " + path + "; the routes are "
                    + new TreeSet<>(routes.keySet()));
        }
        if (route.counted()) {
            metrics.requestReceived();
        }
        if (!route.method().equals(exchange.getRequestMethod())) {
            throw new ApiException(ErrorKind.METHOD_NOT_ALLOWED, null, path + " takes " + route.method() + ", not "
                    + exchange.getRequestMethod());
        }
        if (!route.open() && !apiKey.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
            throw new ApiException(ErrorKind.UNAUTHORIZED, null, "a missing or wrong API key; send Authorization: Bearer KEY");
        }
        return route.handler().handle(exchange);
    }

    private Reply error(ApiException e, Function<ApiException, byte[]> errors, Route route) {
        if (route != null && route.counted()) {
            metrics.requestFailed(e.kind());
        }
        Map<String, String> headers = switch (e.kind()) {
            case UNAUTHORIZED -> Map.of("WWW-Authenticate", "Bearer");
            case METHOD_NOT_ALLOWED -> Map.of("Allow", route.method());
            // The body may be left unread; closing the connection keeps the client from sending it for nothing.
            case TOO_LARGE -> Map.of("Connection", "close");
            default -> Map.of();
        };
        return new Reply(e.kind().status(), Reply.JSON, errors.apply(e), headers);
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        byte[] body = reply.body();
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        reply.headers().forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
