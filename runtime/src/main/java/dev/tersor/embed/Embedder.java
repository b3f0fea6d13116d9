package dev.tersor.embed;

import dev.tersor.format.ElementType;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;
import dev.tersor.kernels.Layouts;
import dev.tersor.model.Model;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Sentence embeddings from a BERT-style encoder Tersor can load ({@code .onnx} or {@code .tsr}):
 * tokenize with the model's {@code tokenizer.json}, run the model on the padded batch, pool the
 * token vectors of {@code last_hidden_state} (mean over real tokens, or {@code [CLS]}), optionally
 * L2-normalize. Thread-safe: any number of threads may embed at once.
 *
 * <p>A folder is read as a Hugging Face model folder ({@link HuggingFaceFolder}): weights, tokenizer,
 * pooling, normalization, maximum length and prompts come from its files.
 *
 * <p>Where the tokenizer of a model file comes from, when not given: a {@code .tsr} file's metadata entry
 * {@value #TOKENIZER_METADATA} (so a .tsr is self-contained), else a file next to the model named
 * {@code <model name>-tokenizer.json} (the LangChain4j artifacts' convention) or {@code tokenizer.json}.
 *
 * <pre>{@code
 * try (Embedder embedder = Embedder.load(Path.of("all-minilm-l6-v2.tsr"))) {
 *     float[][] vectors = embedder.embed(List.of("first sentence", "second sentence"));
 * }
 * }</pre>
 */
public final class Embedder implements AutoCloseable {

    /** The .tsr metadata key holding the text of the model's tokenizer.json. */
    public static final String TOKENIZER_METADATA = "tokenizer.json";

    private final Model model;
    private final Tokenizer tokenizer;
    private final EmbedderOptions options;
    private final String output;
    private final boolean ownsModel;
    private final String modelId;
    private final Prompts prompts;
    /** {@link #dimension()} once known; 0 before. */
    private volatile int dimension;

    private Embedder(String modelId, Model model, Tokenizer tokenizer, EmbedderOptions options, Prompts prompts,
                     boolean ownsModel) {
        this.modelId = modelId;
        this.prompts = prompts;
        this.model = model;
        this.tokenizer = tokenizer;
        this.options = options;
        this.ownsModel = ownsModel;
        this.output = model.outputs().contains("last_hidden_state") ? "last_hidden_state" : model.outputs().getFirst();
        for (ValueInfo input : model.inputs()) {
            if (!List.of("input_ids", "attention_mask", "token_type_ids").contains(input.name())) {
                throw new InvalidModelException("model input '" + input.name()
                        + "' is not one an encoder takes (input_ids, attention_mask, token_type_ids)");
            }
        }
        if (model.inputs().stream().noneMatch(i -> i.name().equals("input_ids"))) {
            throw new InvalidModelException("the model has no input_ids input: " + model.inputs());
        }
    }

    /**
     * Loads a model and its tokenizer (found as the class comment says) with default options; a
     * folder is read as a Hugging Face model folder ({@link HuggingFaceFolder}).
     */
    public static Embedder load(Path model) throws IOException {
        return load(model, null, EmbedderOptions.defaults());
    }

    /**
     * Loads a model with {@code options}; {@code tokenizerJson} may be null to find the tokenizer as
     * the class comment says. For a Hugging Face model folder, what the folder states about pooling,
     * normalization and maximum length overrides {@code options} ({@link HuggingFaceFolder#options}).
     */
    public static Embedder load(Path model, Path tokenizerJson, EmbedderOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        if (Files.isDirectory(model)) {
            HuggingFaceFolder folder = HuggingFaceFolder.read(model);
            EmbedderOptions folderOptions = folder.options(options);
            byte[] tokenizer = Files.readAllBytes(tokenizerJson != null ? tokenizerJson : folder.tokenizer());
            return load(folder.modelId(), folder.weights(), folderOptions, loaded -> folder.maxSeqLength() > 0
                    ? Tokenizer.fromJsonTruncatingAt(tokenizer, folder.maxSeqLength())
                    : Tokenizer.fromJson(tokenizer, folderOptions.defaultMaxTokens()), folder.prompts());
        }
        return load(stem(model), model, options, loaded -> Tokenizer.fromJson(tokenizerJson != null
                ? Files.readAllBytes(tokenizerJson) : findTokenizer(model, loaded), options.defaultMaxTokens()), Prompts.NONE);
    }

    /** Builds the tokenizer for a loaded model; may read files. */
    private interface TokenizerSource {
        Tokenizer open(Model loaded) throws IOException;
    }

    private static Embedder load(String modelId, Path weights, EmbedderOptions options, TokenizerSource tokenizerSource,
                                 Prompts prompts) throws IOException {
        Model loaded = Model.load(weights, options.execution(), options.policy());
        try {
            Tokenizer tokenizer = tokenizerSource.open(loaded);
            try {
                return new Embedder(modelId, loaded, tokenizer, options, prompts, true);
            } catch (RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /**
     * An embedder over an already loaded model; closing the embedder closes the tokenizer but not the
     * model, which the caller still owns.
     */
    public static Embedder of(Model model, Tokenizer tokenizer, EmbedderOptions options) {
        return of("model", model, tokenizer, options);
    }

    /** As {@link #of(Model, Tokenizer, EmbedderOptions)}, naming the model {@code modelId}. */
    public static Embedder of(String modelId, Model model, Tokenizer tokenizer, EmbedderOptions options) {
        return of(modelId, model, tokenizer, options, Prompts.NONE);
    }

    /** As {@link #of(String, Model, Tokenizer, EmbedderOptions)}, with the prompts the model was trained with. */
    public static Embedder of(String modelId, Model model, Tokenizer tokenizer, EmbedderOptions options, Prompts prompts) {
        return new Embedder(Objects.requireNonNull(modelId, "modelId"), Objects.requireNonNull(model, "model"),
                Objects.requireNonNull(tokenizer, "tokenizer"), Objects.requireNonNull(options, "options"),
                Objects.requireNonNull(prompts, "prompts"), false);
    }

    /** The tokenizer.json bytes for {@code path}: the .tsr's metadata entry, else a file next to it. */
    static byte[] findTokenizer(Path path, Model model) throws IOException {
        String stored = StoredTokenizer.json(model.metadata());
        if (stored != null) {
            return stored.getBytes(StandardCharsets.UTF_8);
        }
        for (Path candidate : tokenizerCandidates(path)) {
            if (Files.isRegularFile(candidate)) {
                return Files.readAllBytes(candidate);
            }
        }
        throw new IOException("no tokenizer for " + path + ": the file stores none and neither of "
                + tokenizerCandidates(path) + " exists; pass one explicitly (--tokenizer)");
    }

    /** The file or folder name of {@code path} without its extension. */
    private static String stem(Path path) {
        Path name = path.toAbsolutePath().normalize().getFileName();
        String text = name == null ? "model" : name.toString();
        int dot = text.lastIndexOf('.');
        return dot > 0 ? text.substring(0, dot) : text;
    }

    /** Where a tokenizer next to {@code model} may be: {@code <stem>-tokenizer.json}, then {@code tokenizer.json}. */
    public static List<Path> tokenizerCandidates(Path model) {
        Path absolute = model.toAbsolutePath();
        String stem = stem(model);
        return List.of(absolute.resolveSibling(stem + "-tokenizer.json"), absolute.resolveSibling("tokenizer.json"));
    }

    public Model model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public EmbedderOptions options() {
        return options;
    }

    /** Token ids for {@code texts}, padded to the longest, as the model would see them (one batch). */
    public TokenBatch tokenize(List<String> texts) {
        return tokenizer.encode(texts);
    }

    /** The embedding of one text. */
    public float[] embed(String text) {
        return embed(List.of(text))[0];
    }

    /** Embeddings of {@code texts}, in order, computed {@link EmbedderOptions#batchSize()} texts per model call. */
    public float[][] embed(List<String> texts) {
        return embed(texts, EmbedSettings.DEFAULT).vectors();
    }

    /**
     * Embeddings of {@code texts} under per-call {@code settings} (prefix, dimensions, truncation),
     * with the tokens each text used, computed {@link EmbedderOptions#batchSize()} texts per model
     * call. With truncation off, every text is checked before any is embedded, so a text that is too
     * long fails the call without wasted work.
     *
     * @throws TextTooLongException if truncation is off and a text does not fit
     * @throws IllegalArgumentException if {@code settings} asks for more dimensions than the model has
     */
    public Embeddings embed(List<String> texts, EmbedSettings settings) {
        Objects.requireNonNull(settings, "settings");
        if (settings.dimensions() > 0 && settings.dimensions() > dimension()) {
            throw new IllegalArgumentException("dimensions " + settings.dimensions() + " is more than the model's "
                    + dimension());
        }
        List<String> inputs = settings.prefix().isEmpty() ? texts : texts.stream().map(t -> settings.prefix() + t).toList();
        if (!settings.truncate()) {
            // Tokenized twice, but only chunk by chunk: holding every batch would cost memory in proportion to the list.
            for (int start = 0; start < inputs.size(); start += options.batchSize()) {
                chunk(inputs, start, false);
            }
        }
        float[][] vectors = new float[inputs.size()][];
        int[] tokenCounts = new int[inputs.size()];
        for (int start = 0; start < inputs.size(); start += options.batchSize()) {
            TokenBatch batch = chunk(inputs, start, settings.truncate());
            float[][] chunk = embed(batch);
            for (int i = 0; i < chunk.length; i++) {
                tokenCounts[start + i] = batch.tokens(i);
                vectors[start + i] = settings.dimensions() > 0 ? shorten(chunk[i], settings.dimensions()) : chunk[i];
            }
        }
        return new Embeddings(vectors, tokenCounts);
    }

    /** The batch of {@code inputs} from {@code start}; a text too long is named by its place in the whole list. */
    private TokenBatch chunk(List<String> inputs, int start, boolean truncate) {
        try {
            return tokenizer.encode(inputs.subList(start, Math.min(inputs.size(), start + options.batchSize())), truncate);
        } catch (TextTooLongException e) {
            throw new TextTooLongException(start + e.index(), e.maxTokens());
        }
    }

    /** The first {@code dimensions} components, back to unit length when this embedder normalizes. */
    private float[] shorten(float[] vector, int dimensions) {
        return dimensions == vector.length ? vector : finish(java.util.Arrays.copyOf(vector, dimensions));
    }

    /** How many tokens of each text the model would read: special tokens included, after truncation. */
    public int[] tokenCounts(List<String> texts) {
        TokenBatch batch = tokenizer.encode(texts);
        int[] counts = new int[batch.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = batch.tokens(i);
        }
        return counts;
    }

    /**
     * Length of the embeddings, from the shapes the model's output takes for a one-token text: found
     * without running the model, once.
     */
    public int dimension() {
        int known = dimension;
        if (known == 0) {
            Map<String, int[]> shapes = new HashMap<>();
            for (ValueInfo input : model.inputs()) {
                shapes.put(input.name(), new int[]{1, 1});
            }
            int[] shape = model.plan(shapes).outputTypes().get(model.outputs().indexOf(output)).shape();
            known = shape[shape.length - 1];
            dimension = known;
        }
        return known;
    }

    /**
     * A name for the model: the file's name without extension, a folder's name, or {@code org/name}
     * for a snapshot in the Hugging Face cache.
     */
    public String modelId() {
        return modelId;
    }

    /** The prompts the model was trained with (a Hugging Face folder's), or {@link Prompts#NONE}. */
    public Prompts prompts() {
        return prompts;
    }

    /**
     * Embeddings of already tokenized texts (special tokens included, as {@link Tokenizer#framing()}
     * gives them), in order, {@link EmbedderOptions#batchSize()} texts per model call.
     */
    public float[][] embedTokens(List<long[]> sequences) {
        float[][] result = new float[sequences.size()][];
        for (int start = 0; start < sequences.size(); start += options.batchSize()) {
            float[][] vectors = embed(tokenizer.batch(sequences.subList(start, Math.min(sequences.size(), start + options.batchSize()))));
            System.arraycopy(vectors, 0, result, start, vectors.length);
        }
        return result;
    }

    /** Embeddings of an already tokenized batch. */
    public float[][] embed(TokenBatch batch) {
        if (batch.size() == 0) {
            return new float[0][];
        }
        for (int i = 0; i < batch.size(); i++) {
            // A tokenizer that drops every character (a BPE model without unk_token) leaves nothing to pool.
            if (batch.tokens(i) == 0) {
                throw new IllegalArgumentException("text " + i + " of the batch has no tokens under this tokenizer");
            }
        }
        // The model's lookup follows ONNX and would read a negative id from the end of the table.
        for (long id : batch.ids()) {
            if (id < 0) {
                throw new IllegalArgumentException("token id " + id + " is negative; token ids are rows of the vocabulary");
            }
        }
        Map<String, Tensor> inputs = new HashMap<>();
        for (ValueInfo input : model.inputs()) {
            inputs.put(input.name(), switch (input.name()) {
                case "input_ids" -> batch.idsTensor();
                case "attention_mask" -> batch.attentionMaskTensor();
                default -> batch.typeIdsTensor();
            });
        }
        Tensor hidden = model.run(inputs).get(output);
        return pool(hidden, batch);
    }

    private float[][] pool(Tensor hidden, TokenBatch batch) {
        int n = batch.size();
        if (hidden.rank() == 2 && hidden.dim(0) == n) {
            // Already one vector per text (a model with its own pooling).
            float[] h = hidden.toFloatArray();
            int dim = hidden.dim(1);
            List<float[]> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(finish(java.util.Arrays.copyOfRange(h, i * dim, (i + 1) * dim)));
            }
            return out.toArray(float[][]::new);
        }
        if (hidden.rank() != 3 || hidden.dim(0) != n || hidden.dim(1) != batch.length() || hidden.type() != ElementType.F32) {
            throw new InvalidModelException("output '" + output + "' has shape " + java.util.Arrays.toString(hidden.shape())
                    + " of " + hidden.type() + ", expected [" + n + ", " + batch.length() + ", dim] of F32");
        }
        int seq = hidden.dim(1);
        int dim = hidden.dim(2);
        // Read in place: a heap copy of the whole batch's hidden states was most of what a call allocated.
        MemorySegment h = hidden.data();
        long[] mask = batch.attentionMask();
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            double[] sum = new double[dim];
            int count = 0;
            for (int t = 0; t < seq; t++) {
                if (mask[i * seq + t] == 0 || options.pooling() == Pooling.CLS && t > 0) {
                    continue;
                }
                count++;
                int base = (i * seq + t) * dim;
                for (int d = 0; d < dim; d++) {
                    sum[d] += h.getAtIndex(Layouts.F32, base + d);
                }
            }
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = (float) (sum[d] / Math.max(1, count));
            }
            out[i] = finish(v);
        }
        return out;
    }

    private float[] finish(float[] v) {
        return options.normalize() ? UnitLength.scale(v) : v;
    }

    /** Closes the tokenizer, and the model if this embedder loaded it. */
    @Override
    public void close() {
        tokenizer.close();
        if (ownsModel) {
            model.close();
        }
    }
}
