package dev.tersor.embed;

import dev.tersor.model.Json;
import dev.tersor.model.TsrFormatException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a Hugging Face model folder says about a sentence-embedding model, read without running
 * anything: the weights ({@code onnx/model.onnx} or {@code model.onnx}), {@code tokenizer.json},
 * {@code config.json}, and sentence-transformers' files when present: {@code modules.json} (which
 * modules run: Transformer, Pooling, Normalize), the pooling module's {@code config.json} (mean or
 * CLS), {@code sentence_bert_config.json} ({@code max_seq_length}) and
 * {@code config_sentence_transformers.json} ({@code prompts}, {@code default_prompt_name}).
 *
 * <p>What the folder states overrides the caller's {@link EmbedderOptions} ({@link #options}): the
 * files describe how the model was trained, and a different pooling or normalization would give
 * other vectors than sentence-transformers does. Where the folder is silent the options stand.
 *
 * @param directory    the folder, as an absolute path
 * @param weights      the ONNX file to load
 * @param tokenizer    the folder's tokenizer.json
 * @param pooling      the pooling module's mode, when the folder has one
 * @param normalize    whether modules.json lists Normalize, when the folder has modules.json
 * @param maxSeqLength sentence-transformers' {@code max_seq_length}, which overrides tokenizer.json's
 *                     truncation; 0 when not given
 * @param prompts      the prompts of config_sentence_transformers.json, or {@link Prompts#NONE}
 */
public record HuggingFaceFolder(Path directory, Path weights, Path tokenizer, Optional<Pooling> pooling,
                                Optional<Boolean> normalize, int maxSeqLength, Prompts prompts) {

    /** Config files are a few hundred bytes; a larger one is not a config. */
    private static final long MAX_CONFIG_BYTES = 1 << 20;

    private static final String TRANSFORMER = "sentence_transformers.models.Transformer";
    private static final String POOLING = "sentence_transformers.models.Pooling";
    private static final String NORMALIZE = "sentence_transformers.models.Normalize";

    /**
     * Reads the folder's files.
     *
     * @throws InvalidModelFolderException if a needed file is missing, malformed, or contradicts another
     * @throws IOException                 if a file cannot be read
     */
    public static HuggingFaceFolder read(Path directory) throws IOException {
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new InvalidModelFolderException(dir + " is not a folder");
        }
        Path weights = weights(dir);
        Path tokenizer = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizer)) {
            throw new InvalidModelFolderException(dir + " has no tokenizer.json");
        }
        Map<String, Object> config = object(dir, "config.json")
                .orElseThrow(() -> new InvalidModelFolderException(dir + " has no config.json: not a Hugging Face model folder"));
        Optional<Long> hiddenSize = optionalInteger(config, "hidden_size", dir, "config.json");
        Optional<Long> positions = optionalInteger(config, "max_position_embeddings", dir, "config.json");

        Optional<String> poolingPath = Optional.of("1_Pooling");
        Optional<Boolean> normalize = Optional.empty();
        Optional<Object> modules = parse(dir, "modules.json");
        if (modules.isPresent()) {
            poolingPath = Optional.empty();
            boolean normalizes = false;
            for (Object entry : read(dir, "modules.json", () -> Json.array(modules.get(), "the file"))) {
                Map<String, Object> module = read(dir, "modules.json", () -> Json.object(entry, "a modules.json entry"));
                String type = read(dir, "modules.json", () -> Json.string(Json.field(module, "type", "a module"), "a module's type"));
                switch (type) {
                    case TRANSFORMER -> { }
                    case POOLING -> {
                        if (poolingPath.isPresent()) {
                            throw new InvalidModelFolderException(dir + "/modules.json lists two Pooling modules");
                        }
                        String path = read(dir, "modules.json",
                                () -> Json.string(Json.field(module, "path", "the Pooling module"), "the Pooling module's path"));
                        // The path comes from the file: it must not lead out of the folder.
                        if (!dir.resolve(path).normalize().startsWith(dir)) {
                            throw new InvalidModelFolderException(dir + "/modules.json: the Pooling module's path '" + path
                                    + "' leads out of the folder");
                        }
                        poolingPath = Optional.of(path);
                    }
                    case NORMALIZE -> normalizes = true;
                    default -> throw new InvalidModelFolderException(dir + "/modules.json lists " + type
                            + ", which Tersor does not run (it runs Transformer, Pooling and Normalize)");
                }
            }
            normalize = Optional.of(normalizes);
        }
        Optional<Pooling> pooling = Optional.empty();
        if (poolingPath.isPresent()) {
            String file = poolingPath.get() + "/config.json";
            Optional<Map<String, Object>> poolingConfig = object(dir, file);
            if (poolingConfig.isEmpty() && modules.isPresent()) {
                throw new InvalidModelFolderException(dir + "/modules.json lists a Pooling module, but " + file + " is missing");
            }
            if (poolingConfig.isPresent()) {
                pooling = Optional.of(pooling(dir, file, poolingConfig.get()));
                Optional<Long> width = optionalInteger(poolingConfig.get(), "word_embedding_dimension", dir, file);
                if (width.isPresent() && hiddenSize.isPresent() && !width.equals(hiddenSize)) {
                    throw new InvalidModelFolderException(dir + ": " + file + " pools " + width.get()
                            + "-wide token vectors but config.json's hidden_size is " + hiddenSize.get());
                }
            }
        }

        int maxSeqLength = 0;
        Optional<Map<String, Object>> bertConfig = object(dir, "sentence_bert_config.json");
        if (bertConfig.isPresent()) {
            Optional<Long> length = optionalInteger(bertConfig.get(), "max_seq_length", dir, "sentence_bert_config.json");
            if (length.isPresent()) {
                if (length.get() < 2) {
                    throw new InvalidModelFolderException(dir + "/sentence_bert_config.json: max_seq_length " + length.get()
                            + " leaves no room for text");
                }
                if (positions.isPresent() && length.get() > positions.get()) {
                    throw new InvalidModelFolderException(dir + ": sentence_bert_config.json's max_seq_length " + length.get()
                            + " is more than config.json's max_position_embeddings " + positions.get());
                }
                maxSeqLength = Math.toIntExact(length.get());
            }
        }
        return new HuggingFaceFolder(dir, weights, tokenizer, pooling, normalize, maxSeqLength, prompts(dir));
    }

    /** {@code base} with the pooling and normalization this folder states. */
    public EmbedderOptions options(EmbedderOptions base) {
        EmbedderOptions options = pooling.map(base::withPooling).orElse(base);
        return normalize.map(options::withNormalize).orElse(options);
    }

    /**
     * A name for the model: {@code org/name} for a snapshot of the Hugging Face cache
     * ({@code models--org--name/snapshots/<commit>}), else the folder's name.
     */
    public String modelId() {
        Path parent = directory.getParent();
        Path repository = parent == null ? null : parent.getParent();
        if (parent != null && repository != null && repository.getFileName() != null
                && parent.getFileName().toString().equals("snapshots")
                && repository.getFileName().toString().startsWith(HuggingFaceCache.REPOSITORY_PREFIX)) {
            return repository.getFileName().toString().substring(HuggingFaceCache.REPOSITORY_PREFIX.length()).replace("--", "/");
        }
        Path name = directory.getFileName();
        return name == null ? "model" : name.toString();
    }

    private static Path weights(Path dir) {
        Path nested = dir.resolve("onnx/model.onnx");
        Path top = dir.resolve("model.onnx");
        boolean hasNested = Files.isRegularFile(nested);
        boolean hasTop = Files.isRegularFile(top);
        if (hasNested && hasTop) {
            throw new InvalidModelFolderException(dir + " has both onnx/model.onnx and model.onnx; load the one you mean as a file");
        }
        if (hasNested || hasTop) {
            return hasNested ? nested : top;
        }
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            throw new InvalidModelFolderException(dir + " has model.safetensors but no onnx/model.onnx or model.onnx;"
                    + " Tersor loads a folder's weights from ONNX for now");
        }
        throw new InvalidModelFolderException(dir + " has no onnx/model.onnx or model.onnx");
    }

    /** Mean or CLS, whichever the pooling config turns on; any other mode, or none or several, is an error. */
    private static Pooling pooling(Path dir, String file, Map<String, Object> config) {
        Map<String, Pooling> supported = Map.of("pooling_mode_mean_tokens", Pooling.MEAN, "pooling_mode_cls_token", Pooling.CLS);
        List<String> on = new ArrayList<>();
        for (Map.Entry<String, Object> entry : config.entrySet()) {
            if (entry.getKey().startsWith("pooling_mode_")
                    && read(dir, file, () -> Json.bool(entry.getValue(), entry.getKey()))) {
                on.add(entry.getKey());
            }
        }
        if (on.size() != 1) {
            throw new InvalidModelFolderException(dir + "/" + file + " turns on " + (on.isEmpty() ? "no pooling mode" : on)
                    + "; Tersor pools with exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token");
        }
        Pooling pooling = supported.get(on.getFirst());
        if (pooling == null) {
            throw new InvalidModelFolderException(dir + "/" + file + " pools with " + on.getFirst()
                    + "; Tersor pools with pooling_mode_mean_tokens or pooling_mode_cls_token");
        }
        if (config.containsKey("include_prompt") && !read(dir, file, () -> Json.bool(config.get("include_prompt"), "include_prompt"))) {
            throw new InvalidModelFolderException(dir + "/" + file + " pools without the prompt's tokens (include_prompt false),"
                    + " which Tersor does not do");
        }
        return pooling;
    }

    private static Prompts prompts(Path dir) throws IOException {
        String file = "config_sentence_transformers.json";
        Optional<Map<String, Object>> config = object(dir, file);
        if (config.isEmpty()) {
            return Prompts.NONE;
        }
        Map<String, String> prompts = new LinkedHashMap<>();
        Object listed = config.get().get("prompts");
        if (listed != null) {
            for (Map.Entry<String, Object> e : read(dir, file, () -> Json.object(listed, "prompts")).entrySet()) {
                prompts.put(e.getKey(), read(dir, file, () -> Json.string(e.getValue(), "prompts." + e.getKey())));
            }
        }
        Object named = config.get().get("default_prompt_name");
        String defaultName = named == null ? "" : read(dir, file, () -> Json.string(named, "default_prompt_name"));
        if (!defaultName.isEmpty() && !prompts.containsKey(defaultName)) {
            throw new InvalidModelFolderException(dir + "/" + file + ": default_prompt_name '" + defaultName
                    + "' is not one of its prompts " + prompts.keySet());
        }
        return new Prompts(prompts, defaultName);
    }

    private static Optional<Long> optionalInteger(Map<String, Object> object, String key, Path dir, String file) {
        Object value = object.get(key);
        return value == null ? Optional.empty() : Optional.of(read(dir, file, () -> Json.integer(value, key)));
    }

    private static Optional<Map<String, Object>> object(Path dir, String file) throws IOException {
        Optional<Object> value = parse(dir, file);
        return value.isEmpty() ? Optional.empty() : Optional.of(read(dir, file, () -> Json.object(value.get(), "the file")));
    }

    /** The JSON value of {@code file} in {@code dir}, or empty when there is no such file. */
    private static Optional<Object> parse(Path dir, String file) throws IOException {
        Path path = dir.resolve(file);
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        if (Files.size(path) > MAX_CONFIG_BYTES) {
            throw new InvalidModelFolderException(path + " is " + Files.size(path) + " bytes, too large for a config file");
        }
        String text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
        return Optional.of(read(dir, file, () -> Json.parse(text, "the file")));
    }

    /** Runs a {@link Json} read, turning its errors into one-line ones naming the file. */
    private static <T> T read(Path dir, String file, JsonRead<T> read) {
        try {
            return read.get();
        } catch (TsrFormatException e) {
            // Jackson's messages go on to a second line locating the error in the source text.
            String message = e.getMessage();
            int newline = message.indexOf('\n');
            throw new InvalidModelFolderException(dir + "/" + file + ": " + (newline < 0 ? message : message.substring(0, newline)), e);
        }
    }

    private interface JsonRead<T> {
        T get();
    }
}
