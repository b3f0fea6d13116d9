package dev.tersor.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.request.EmbeddingInput;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingParameter;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.request.EmbeddingRequestParameters;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import dev.langchain4j.model.embedding.response.EmbeddingResponseMetadata;
import dev.langchain4j.model.output.TokenUsage;
import dev.tersor.embed.EmbedSettings;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.Embeddings;
import dev.tersor.embed.Prompts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * LangChain4j's {@link EmbeddingModel}, computed in this JVM by a Tersor {@link Embedder}.
 *
 * <p>Each request is one {@link Embedder#embed(List, EmbedSettings)} call, so
 * {@link #embedAll(List)} runs the model on batches of texts (LangChain4j's own in-process models
 * embed one text per task). A request may ask for fewer {@code dimensions} (the leading components,
 * renormalized), and its {@code inputType} picks the prompt put before every text: the model's
 * query prompt for {@link EmbeddingInputType#QUERY}, its document prompt for
 * {@link EmbeddingInputType#DOCUMENT}, else its default ({@link Prompts}; a Hugging Face folder's
 * {@code config_sentence_transformers.json} lists them, and a model without prompts gets its texts
 * bare). The usage reports the tokens the model read. Thread-safe, as the embedder is.
 */
public final class TersorEmbeddingModel implements EmbeddingModel, AutoCloseable {

    private final Embedder embedder;
    private final Prompts prompts;
    private final boolean ownsEmbedder;

    private TersorEmbeddingModel(Embedder embedder, Prompts prompts, boolean ownsEmbedder) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.prompts = Objects.requireNonNull(prompts, "prompts");
        this.ownsEmbedder = ownsEmbedder;
    }

    /**
     * Loads a {@code .tsr} file, an ONNX file or a Hugging Face model folder as {@link Embedder#load(Path)}
     * does; {@link #close()} closes it.
     */
    public static TersorEmbeddingModel load(Path model) throws IOException {
        Embedder embedder = Embedder.load(model);
        return new TersorEmbeddingModel(embedder, embedder.prompts(), true);
    }

    /** A model over {@code embedder}, which the caller keeps owning: {@link #close()} leaves it open. */
    public static TersorEmbeddingModel of(Embedder embedder) {
        return of(embedder, embedder.prompts());
    }

    /**
     * As {@link #of(Embedder)}, with {@code prompts} in place of the embedder's: for a model file, which
     * carries none, of a model trained with prompts (e5's {@code "query: "} and {@code "passage: "}).
     */
    public static TersorEmbeddingModel of(Embedder embedder, Prompts prompts) {
        return new TersorEmbeddingModel(embedder, prompts, false);
    }

    /** The embedder that computes the vectors. */
    public Embedder embedder() {
        return embedder;
    }

    @Override
    public Set<EmbeddingParameter<?>> supportedParameters() {
        return Set.of(EmbeddingRequestParameters.DIMENSIONS, EmbeddingRequestParameters.INPUT_TYPE);
    }

    @Override
    public EmbeddingResponse doEmbed(EmbeddingRequest request) {
        List<String> texts = new ArrayList<>(request.inputs().size());
        for (EmbeddingInput input : request.inputs()) {
            texts.add(input.text());
        }
        Integer dimensions = request.dimensions();
        EmbedSettings settings = EmbedSettings.DEFAULT.withPrefix(prompt(request.inputType()))
                .withDimensions(dimensions == null ? 0 : dimensions);
        Embeddings result = embedder.embed(texts, settings);
        List<Embedding> embeddings = new ArrayList<>(texts.size());
        for (float[] vector : result.vectors()) {
            embeddings.add(Embedding.from(vector));
        }
        return EmbeddingResponse.builder()
                .embeddings(embeddings)
                .metadata(EmbeddingResponseMetadata.builder()
                        .modelName(modelName())
                        .tokenUsage(new TokenUsage(Math.toIntExact(result.totalTokens())))
                        .build())
                .build();
    }

    /** The prompts this model puts before texts, by input type. */
    public Prompts prompts() {
        return prompts;
    }

    private String prompt(EmbeddingInputType inputType) {
        if (inputType == null) {
            return prompts.defaultPrompt();
        }
        return switch (inputType) {
            case QUERY -> prompts.query();
            case DOCUMENT -> prompts.document();
        };
    }

    /** The embedding length, from the model's shapes: nothing is embedded to find it. */
    @Override
    public int dimension() {
        return embedder.dimension();
    }

    /** {@link Embedder#modelId()}: the file's or folder's name, or {@code org/name} from the Hugging Face cache. */
    @Override
    public String modelName() {
        return embedder.modelId();
    }

    /** Closes the embedder if {@link #load(Path)} made it. */
    @Override
    public void close() {
        if (ownsEmbedder) {
            embedder.close();
        }
    }
}
