package dev.tersor.cli;

import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.HuggingFaceCache;
import dev.tersor.server.EmbeddingServer;
import dev.tersor.server.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** Serves a sentence-embedding model over HTTP until the process is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve a sentence-embedding model (.tsr or .onnx) over HTTP: OpenAI's POST /v1/embeddings and GET /v1/models, "
                + "and text-embeddings-inference's POST /embed, GET /health, GET /info and GET /metrics (Prometheus).",
                "Requests that arrive while the model is busy are batched together. SIGTERM (or Ctrl-C) stops accepting, "
                        + "finishes the requests already received, and exits."})
final class ServeCommand implements Runnable {

    /** Seconds a request may take to arrive, and its answer to be sent, before the JDK's server drops the connection. */
    private static final String EXCHANGE_TIMEOUT_SECONDS = "60";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A .tsr file, an ONNX model, a Hugging Face model folder, "
            + "or the id (org/name) of a model in the local Hugging Face cache.")
    String model;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on; 0.0.0.0 for every interface. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "",
            description = "Require Authorization: Bearer KEY on every route but /health and /metrics.")
    String apiKey;

    @Option(names = "--max-batch-tokens", defaultValue = "512",
            description = "Most tokens per model call, counted as inputs x longest input; at least the model's longest input. "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxBatchTokens;

    @Option(names = "--max-batch-requests", defaultValue = "512",
            description = "Most requests merged into one batch; 1 turns merging off. Default: ${DEFAULT-VALUE}.")
    int maxBatchRequests;

    @Option(names = "--batch-workers", paramLabel = "N",
            description = "Model calls run at once, each on one core. Default: the number of cores.")
    Integer batchWorkers;

    @Option(names = "--max-client-batch-size", defaultValue = "32",
            description = "Most inputs per request (413 above). Default: ${DEFAULT-VALUE}.")
    int maxClientBatchSize;

    @Option(names = "--max-concurrent-requests", defaultValue = "512",
            description = "Most embedding requests in progress at once (429 above). Default: ${DEFAULT-VALUE}.")
    int maxConcurrentRequests;

    @Option(names = "--auto-truncate",
            description = "Cut texts longer than the model takes instead of answering 413 (a /embed request's truncate overrides it).")
    boolean autoTruncate;

    @Option(names = "--payload-limit", paramLabel = "BYTES", defaultValue = "2000000",
            description = "Most bytes per request body (413 above). Default: ${DEFAULT-VALUE}.")
    int payloadLimit;

    @Option(names = "--prompt", paramLabel = "NAME=TEXT",
            description = "A prompt put before the inputs of requests that name it (/embed's prompt_name, /v1/embeddings' "
                    + "input_type query or passage); repeatable, e.g. --prompt query='query: '.")
    Map<String, String> prompts = new LinkedHashMap<>();

    @Mixin
    ModelReadingOptions reading;

    /** The model file or folder {@code model} names (a path, or an id in the Hugging Face cache), checked before loading. */
    private static Path locate(String model) {
        try {
            return HuggingFaceCache.fromEnvironment().locate(model);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("model " + model + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void run() {
        int workers = batchWorkers != null ? batchWorkers : Runtime.getRuntime().availableProcessors();
        Arguments.inRange("--port", port, 0, 65535);
        Arguments.inRange("--max-batch-tokens", maxBatchTokens, 1, ServerSettings.MAX_BATCH_TOKENS);
        Arguments.inRange("--max-batch-requests", maxBatchRequests, 1, ServerSettings.MAX_CONCURRENT_REQUESTS);
        Arguments.inRange("--batch-workers", workers, 1, ServerSettings.MAX_BATCH_WORKERS);
        Arguments.inRange("--max-client-batch-size", maxClientBatchSize, 1, ServerSettings.MAX_CLIENT_BATCH_SIZE);
        Arguments.inRange("--max-concurrent-requests", maxConcurrentRequests, 1, ServerSettings.MAX_CONCURRENT_REQUESTS);
        Arguments.inRange("--payload-limit", payloadLimit, 1, ServerSettings.MAX_PAYLOAD_LIMIT);
        ServerSettings settings = new ServerSettings(host, port, apiKey, maxBatchTokens, maxBatchRequests, workers,
                maxClientBatchSize, maxConcurrentRequests, autoTruncate, payloadLimit, prompts);
        Path modelPath = locate(model);
        EmbedderOptions options = reading.embedderOptions();
        // Without these the JDK's server waits for a slow client forever. Read when the first server starts.
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", EXCHANGE_TIMEOUT_SECONDS));
        System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", EXCHANGE_TIMEOUT_SECONDS));
        Embedder loaded;
        try {
            loaded = Embedder.load(modelPath, reading.tokenizer, options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The server normalizes per request (TEI's normalize=false needs the raw pooled vector), so it runs
        // the model through a view that does not, even when a model folder lists Normalize.
        Embedder embedder = Embedder.of(loaded.modelId(), loaded.model(), loaded.tokenizer(),
                loaded.options().withNormalize(false), loaded.prompts());
        // A model folder's own prompts, under the names its config gives them; --prompt adds or replaces.
        Map<String, String> allPrompts = new LinkedHashMap<>(embedder.prompts().byName());
        allPrompts.putAll(prompts);
        settings = settings.withPrompts(allPrompts);
        EmbeddingServer server;
        try {
            server = EmbeddingServer.start(embedder, settings);
        } catch (IOException e) {
            loaded.close();
            // An argument's fault (--host, --port), said with both; the message of the IOException alone names neither.
            throw new IllegalArgumentException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("tersor-serve-shutdown").unstarted(() -> {
            spec.commandLine().getErr().println("tersor: stopping; finishing the requests already received");
            spec.commandLine().getErr().flush();
            server.close();
            loaded.close();
        }));
        spec.commandLine().getErr().println("tersor: serving " + embedder.modelId() + " (" + embedder.dimension()
                + " dimensions) on http://" + host + ":" + server.port() + " (POST /v1/embeddings, POST /embed, GET /health, /info, /metrics)");
        spec.commandLine().getErr().flush();
        try {
            // The shutdown hook ends the process; until then this thread only waits.
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
