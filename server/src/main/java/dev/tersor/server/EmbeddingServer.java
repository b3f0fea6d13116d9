package dev.tersor.server;

import com.sun.net.httpserver.HttpServer;
import dev.tersor.embed.Embedder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An embedding server over HTTP/1.1 on the JDK's {@code com.sun.net.httpserver}, one virtual thread
 * per request, speaking OpenAI's embeddings API and text-embeddings-inference's:
 * <ul>
 *   <li>{@code POST /v1/embeddings}, {@code GET /v1/models} (OpenAI);</li>
 *   <li>{@code POST /embed}, {@code GET /health}, {@code GET /info}, {@code GET /metrics} (TEI's names;
 *       the metrics in Prometheus' text format).</li>
 * </ul>
 * Requests are tokenized on their own threads and batched dynamically ({@link Batcher}) for the one
 * embedder. {@link #close()} stops accepting, finishes what was accepted, then returns.
 *
 * <pre>{@code
 * try (Embedder embedder = Embedder.load(model, null, EmbedderOptions.defaults().withNormalize(false));
 *      EmbeddingServer server = EmbeddingServer.start(embedder, ServerSettings.defaults().withPort(8089))) {
 *     ...
 * }
 * }</pre>
 */
public final class EmbeddingServer implements AutoCloseable {

    /** Seconds {@link #close()} waits for requests in progress. */
    private static final int SHUTDOWN_GRACE_SECONDS = 60;

    private final HttpServer http;
    private final ExecutorService requests;
    private final Batcher batcher;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddingServer(HttpServer http, ExecutorService requests, Batcher batcher) {
        this.http = http;
        this.requests = requests;
        this.batcher = batcher;
    }

    /**
     * Starts serving {@code embedder}, which the caller still owns and closes after the server. The
     * server applies each request's normalization itself, so the embedder must not normalize
     * ({@code EmbedderOptions.withNormalize(false)}); its pooling is the server's.
     *
     * @throws IllegalArgumentException if the embedder normalizes, or a model call's token budget is
     *                                  below one input of the model's longest length
     * @throws IOException              if the address cannot be bound
     */
    public static EmbeddingServer start(Embedder embedder, ServerSettings settings) throws IOException {
        if (embedder.options().normalize()) {
            throw new IllegalArgumentException("the server normalizes per request (TEI's normalize); "
                    + "give it an embedder that does not (EmbedderOptions.withNormalize(false))");
        }
        int maxTokens = embedder.tokenizer().maxTokens();
        if (settings.maxBatchTokens() < maxTokens) {
            throw new IllegalArgumentException("max batch tokens " + settings.maxBatchTokens()
                    + " is less than the model's longest input, " + maxTokens + " tokens");
        }
        ServerInfo info = new ServerInfo(embedder.modelId(), embedder.options().pooling().name().toLowerCase(Locale.ROOT),
                embedder.dimension(), maxTokens, settings);
        Metrics metrics = new Metrics();
        Batcher batcher = new Batcher(sequences -> embedder.embed(embedder.tokenizer().batch(sequences)), metrics,
                settings.maxBatchTokens(), settings.maxBatchRequests(), settings.batchWorkers(), settings.maxConcurrentRequests());
        EmbeddingRoutes embedding = new EmbeddingRoutes(
                new RequestParser(settings.maxClientBatchSize(), maxTokens, settings.prompts(), settings.autoTruncate()),
                new InputTokenizer(embedder.tokenizer()), batcher, metrics, settings, info.dimension(), info.modelId());
        StatusRoutes status = new StatusRoutes(info, metrics, batcher);
        Router router = new Router(Map.of(
                "/v1/embeddings", new Router.Route("POST", false, true, embedding::openAi),
                "/embed", new Router.Route("POST", false, true, embedding::tei),
                "/v1/models", new Router.Route("GET", false, false, status::models),
                "/info", new Router.Route("GET", false, false, status::info),
                "/health", new Router.Route("GET", true, false, status::health),
                "/metrics", new Router.Route("GET", true, false, status::metrics)),
                new ApiKey(settings.apiKey()), metrics);
        ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 0);
        } catch (IOException | RuntimeException e) {
            batcher.close();
            requests.close();
            throw e;
        }
        http.setExecutor(requests);
        http.createContext("/", router);
        http.start();
        return new EmbeddingServer(http, requests, batcher);
    }

    /** The port the server listens on (the one picked when the settings said 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /**
     * Stops accepting connections, lets the requests already received finish (up to a minute),
     * then stops the batcher. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            http.stop(SHUTDOWN_GRACE_SECONDS);
            batcher.close();
            requests.close();
        }
    }
}
