package dev.tersor.spark;

import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.Pooling;
import dev.tersor.model.ExecutionPolicy;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a task needs to find and open the model on its executor: the file, either shipped with
 * {@code SparkContext.addFile} (then named by its file name, which {@link SparkFiles#get} resolves in
 * the executor's own copy) or read at the same path on every node; the tokenizer likewise; and the
 * options the embedder runs with. Serialized into every task, so it holds names, never open files.
 *
 * @param model     the model's file name when shipped, else its path as every executor sees it
 * @param tokenizer the tokenizer's file name or path, or null to use the one the .tsr stores
 * @param shipped   whether {@link #model} and {@link #tokenizer} were shipped with {@code addFile}
 * @param pooling   how token vectors become one sentence vector
 * @param normalize whether vectors are scaled to unit length
 * @param batchSize texts per model call
 * @param exec      the layout weights run in ({@link ExecutionPolicy#parse}: stored, fastest, budget:MB)
 */
public record ExecutorModel(String model, String tokenizer, boolean shipped, Pooling pooling, boolean normalize,
                            int batchSize, String exec) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The files this driver has shipped, by application id and path. */
    private static final Set<String> SHIPPED = ConcurrentHashMap.newKeySet();

    /** The shared embedder's own batch size: more than any caller's batch, so it never splits one. */
    private static final int UNBATCHED = 1 << 20;

    public ExecutorModel {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(exec, "exec");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, not " + batchSize);
        }
        ExecutionPolicy.parse(exec);
    }

    /**
     * Checks {@code modelPath} on the driver, so a wrong path is one error before any task runs, and
     * ships the model (and a tokenizer it cannot carry) to the executors when {@code ship} is true.
     * A .tsr file carries its tokenizer; beside an ONNX file the tokenizer is found as
     * {@link Embedder#tokenizerCandidates} says and shipped with it. A model folder cannot be shipped:
     * {@code addFile} takes directories in local mode only.
     *
     * @param tokenizerPath an explicit tokenizer.json, or null
     * @throws IllegalArgumentException if a file is missing or a folder is to be shipped
     */
    public static ExecutorModel prepare(SparkSession spark, String modelPath, String tokenizerPath, boolean ship,
                                        Pooling pooling, boolean normalize, int batchSize, String exec) {
        Objects.requireNonNull(modelPath, "modelPath");
        if (modelPath.isBlank()) {
            throw new IllegalArgumentException("no model given: set the model path (a .tsr or .onnx file)");
        }
        ExecutionPolicy.parse(exec);   // a wrong option before any file is looked at
        if (!ship) {
            // Read where it is on every executor; the driver may not even see that file system, so it is not checked.
            return new ExecutorModel(modelPath, blankToNull(tokenizerPath), false, pooling, normalize, batchSize, exec);
        }
        if (isRemote(modelPath)) {
            // hdfs://, s3a://: addFile fetches it; nothing beside it can be listed, so an ONNX model names its tokenizer.
            ship(spark, modelPath);
            String tokenizerName = null;
            if (tokenizerPath != null && !tokenizerPath.isBlank()) {
                ship(spark, tokenizerPath);
                tokenizerName = lastSegment(tokenizerPath);
            }
            return new ExecutorModel(lastSegment(modelPath), tokenizerName, true, pooling, normalize, batchSize, exec);
        }
        Path model = localPath(modelPath);
        if (Files.isDirectory(model)) {
            throw new IllegalArgumentException("model " + model + " is a folder, which addFile cannot ship to a cluster: "
                    + "import it into one .tsr file (./tersor import), or read it from a path every executor sees "
                    + "(shipModel false)");
        }
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("model " + model + " does not exist");
        }
        Path tokenizer = null;
        if (tokenizerPath != null && !tokenizerPath.isBlank()) {
            tokenizer = localPath(tokenizerPath);
            if (!Files.isRegularFile(tokenizer)) {
                throw new IllegalArgumentException("tokenizer " + tokenizer + " does not exist");
            }
        } else if (!model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".tsr")) {
            tokenizer = Embedder.tokenizerCandidates(model).stream().filter(Files::isRegularFile).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no tokenizer for " + model + ": neither of "
                            + Embedder.tokenizerCandidates(model) + " exists; name one (tokenizer), or ship a .tsr, "
                            + "which stores its own"));
        }
        ship(spark, model.toString());
        if (tokenizer != null) {
            ship(spark, tokenizer.toString());
        }
        return new ExecutorModel(model.getFileName().toString(),
                tokenizer == null ? null : tokenizer.getFileName().toString(), true, pooling, normalize, batchSize, exec);
    }

    /**
     * Adds {@code path} to the application's files once: every transform prepares its model, and
     * Spark warns on each repeated {@code addFile} of one path.
     */
    private static void ship(SparkSession spark, String path) {
        if (SHIPPED.add(spark.sparkContext().applicationId() + " " + path)) {
            spark.sparkContext().addFile(path);
        }
    }

    /** A path with a URI scheme other than {@code file:}, which addFile reads through Hadoop's file systems. */
    static boolean isRemote(String path) {
        return path.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*") && !path.startsWith("file:");
    }

    /** A path on this machine, given as a path or a {@code file:} URI. */
    private static Path localPath(String path) {
        return (path.startsWith("file:") ? Path.of(java.net.URI.create(path)) : Path.of(path)).toAbsolutePath().normalize();
    }

    private static String lastSegment(String uri) {
        String trimmed = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }

    /** The model file on this executor. */
    Path modelFile() {
        return local(model);
    }

    /** The tokenizer on this executor, or null. */
    Path tokenizerFile() {
        return tokenizer == null ? null : local(tokenizer);
    }

    private Path local(String name) {
        return Path.of(shipped ? SparkFiles.get(name) : name).toAbsolutePath().normalize();
    }

    /**
     * The options the executor's shared embedder loads with. Its own batch size is unbounded: every
     * caller hands it one batch of {@link #batchSize} texts at a time, so one embedder serves jobs of
     * any batch size.
     */
    EmbedderOptions options() {
        return EmbedderOptions.defaults().withPooling(pooling).withNormalize(normalize).withBatchSize(UNBATCHED)
                .withPolicy(ExecutionPolicy.parse(exec));
    }

    /** {@code mean} or {@code cls}, as the command line and the Transformer's parameter name them. */
    static Pooling pooling(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new IllegalArgumentException("pooling is mean or cls, not '" + name + "'");
        };
    }
}
