package dev.tersor.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * A Spark ML {@link Transformer} that appends the sentence embedding of a string column as an
 * {@code array<float>} column, computed on the executors by a Tersor {@code Embedder}:
 *
 * <pre>{@code
 * Dataset<Row> embedded = new TersorEmbeddings()
 *         .setModel("/models/minilm.tsr").setInputCol("text").setOutputCol("embedding")
 *         .transform(sentences);
 * }</pre>
 *
 * <p>The model file is shipped to the executors with {@code SparkContext.addFile} (or, with
 * {@code shipModel} false, read at its path on every node), loaded once per executor JVM and shared
 * by all its task threads ({@link ExecutorEmbedders}); each partition is embedded in batches of
 * {@code batchSize} rows, one model call each, its rows kept in order. A null text gets a null
 * vector, an empty one the model's vector of the empty text, a long one is truncated, and a text the
 * tokenizer cannot read gets a null vector: no row fails the job. Saved and loaded with
 * {@link #save}/{@link #load} (parameters only: the model file stays where it is).
 */
public final class TersorEmbeddings extends Transformer implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;

    // Made in the constructor, after the uid: a parameter takes its parent's uid when it is made.
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> model;
    private final Param<String> tokenizer;
    private final BooleanParam shipModel;
    private final IntParam batchSize;
    private final Param<String> pooling;
    private final BooleanParam normalize;
    private final Param<String> exec;

    public TersorEmbeddings() {
        this(Identifiable$.MODULE$.randomUID("tersorEmbeddings"));
    }

    /** With a given uid: Spark's copy and load construct the transformer through this constructor. */
    public TersorEmbeddings(String uid) {
        this.uid = uid;
        this.inputCol = new Param<>(this, "inputCol", "the column of texts to embed (strings)");
        this.outputCol = new Param<>(this, "outputCol", "the column of vectors to add (array<float>)");
        this.model = new Param<>(this, "model",
                "the model: a .tsr file (it carries its tokenizer) or an ONNX file with its tokenizer beside it");
        this.tokenizer = new Param<>(this, "tokenizer",
                "a tokenizer.json to use instead of the one found with the model; empty for none");
        this.shipModel = new BooleanParam(this, "shipModel",
                "whether to ship the model to the executors with SparkContext.addFile; false reads it at the same path on every node");
        this.batchSize = new IntParam(this, "batchSize", "rows per model call (at least 1)",
                ParamValidators.gtEq(1));
        this.pooling = new Param<>(this, "pooling",
                "how token vectors become one sentence vector: mean (over real tokens) or cls (the first token)",
                ParamValidators.inArray(List.of("mean", "cls")));
        this.normalize = new BooleanParam(this, "normalize", "whether vectors are scaled to unit length");
        this.exec = new Param<>(this, "exec",
                "the layout weights run in: stored, fastest or budget:MB (see ./tersor embed --help)");
        setDefault(inputCol, "text");
        setDefault(outputCol, "embedding");
        setDefault(model, "");
        setDefault(tokenizer, "");
        setDefault(shipModel, true);
        setDefault(batchSize, 32);
        setDefault(pooling, "mean");
        setDefault(normalize, true);
        setDefault(exec, "fastest");
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> model() {
        return model;
    }

    public Param<String> tokenizer() {
        return tokenizer;
    }

    public BooleanParam shipModel() {
        return shipModel;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> pooling() {
        return pooling;
    }

    public BooleanParam normalize() {
        return normalize;
    }

    public Param<String> exec() {
        return exec;
    }

    public TersorEmbeddings setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    public TersorEmbeddings setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    public TersorEmbeddings setModel(String value) {
        set(model, value);
        return this;
    }

    public TersorEmbeddings setTokenizer(String value) {
        set(tokenizer, value);
        return this;
    }

    public TersorEmbeddings setShipModel(boolean value) {
        set(shipModel, value);
        return this;
    }

    public TersorEmbeddings setBatchSize(int value) {
        set(batchSize, value);
        return this;
    }

    public TersorEmbeddings setPooling(String value) {
        set(pooling, value);
        return this;
    }

    public TersorEmbeddings setNormalize(boolean value) {
        set(normalize, value);
        return this;
    }

    public TersorEmbeddings setExec(String value) {
        set(exec, value);
        return this;
    }

    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    public String getModel() {
        return getOrDefault(model);
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    /**
     * The input schema with the output column added ({@code array<float>}, null for a row without a
     * vector).
     *
     * @throws IllegalArgumentException if the input column is missing or not a string, or the output column exists
     */
    @Override
    public StructType transformSchema(StructType schema) {
        return TersorSpark.embeddedSchema(schema, getInputCol(), getOutputCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        ExecutorModel executorModel = ExecutorModel.prepare(dataset.sparkSession(), getModel(), getOrDefault(tokenizer),
                (Boolean) getOrDefault(shipModel), ExecutorModel.pooling(getOrDefault(pooling)),
                (Boolean) getOrDefault(normalize), getBatchSize(), getOrDefault(exec));
        return TersorSpark.embed(dataset.toDF(), getInputCol(), getOutputCol(), executorModel);
    }

    @Override
    public TersorEmbeddings copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Reads a transformer that {@link #save} wrote. */
    public static MLReader<TersorEmbeddings> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a transformer that {@link #save} wrote to {@code path}. */
    public static TersorEmbeddings load(String path) {
        return read().load(path);
    }
}
