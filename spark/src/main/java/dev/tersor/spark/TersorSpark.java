package dev.tersor.spark;

import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.EmbeddingComparison;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.trim;

/**
 * Tersor on Spark without an ML pipeline: {@link #embed(Dataset, String, String, String, int)} adds a
 * column of sentence embeddings to any dataset with a string column, as {@link TersorEmbeddings} does.
 *
 * <pre>{@code
 * Dataset<Row> embedded = TersorSpark.embed(spark.read().text("sentences.txt"), "value", "embedding",
 *         "/models/minilm.tsr", 32);
 * }</pre>
 *
 * <p>{@link #compare} evaluates a compressed model against its reference over a corpus on the
 * cluster: the cosine figures of {@code ./tersor eval-embed} over every sentence, the neighbour
 * overlap over a sample.
 */
public final class TersorSpark {

    /** Relative rank error of the quantile sketch that brackets the first percentile before it is found exactly. */
    static final double PERCENTILE_SKETCH_ERROR = 1e-4;

    /** The type of an embedding column: floats, never null inside a vector (the vector itself may be null). */
    public static final ArrayType VECTOR_TYPE = DataTypes.createArrayType(DataTypes.FloatType, false);

    private TersorSpark() {
    }

    /**
     * {@code data} with a column {@code outputCol} holding the embedding of {@code inputCol} under the
     * model at {@code modelPath} (shipped to the executors with {@code addFile}), mean-pooled and unit
     * length, {@code batchSize} rows per model call; rows and their order are kept.
     */
    public static Dataset<Row> embed(Dataset<?> data, String inputCol, String outputCol, String modelPath, int batchSize) {
        embeddedSchema(data.schema(), inputCol, outputCol);
        EmbedderOptions defaults = EmbedderOptions.defaults();
        return embed(data.toDF(), inputCol, outputCol, ExecutorModel.prepare(data.sparkSession(), modelPath, null, true,
                defaults.pooling(), defaults.normalize(), batchSize, "fastest"));
    }

    /** {@code data} with the embeddings of {@code inputCol} in {@code outputCol}, computed as {@code model} says. */
    public static Dataset<Row> embed(Dataset<Row> data, String inputCol, String outputCol, ExecutorModel model) {
        Objects.requireNonNull(model, "model");
        StructType output = embeddedSchema(data.schema(), inputCol, outputCol);
        return data.mapPartitions(new RowBatches(model, data.schema().fieldIndex(inputCol)), Encoders.row(output));
    }

    /**
     * {@code schema} with {@code outputCol} added as a nullable {@code array<float>}.
     *
     * @throws IllegalArgumentException if {@code inputCol} is missing or not a string, or {@code outputCol} exists
     */
    public static StructType embeddedSchema(StructType schema, String inputCol, String outputCol) {
        Objects.requireNonNull(outputCol, "outputCol");
        requireTextColumn(schema, inputCol);
        if (Arrays.asList(schema.fieldNames()).contains(outputCol)) {
            throw new IllegalArgumentException("output column '" + outputCol + "' already exists; choose another name");
        }
        return schema.add(DataTypes.createStructField(outputCol, VECTOR_TYPE, true));
    }

    /**
     * Checks that {@code schema} has a string column {@code inputCol}.
     *
     * @throws IllegalArgumentException if the column is missing or not a string
     */
    static void requireTextColumn(StructType schema, String inputCol) {
        Objects.requireNonNull(inputCol, "inputCol");
        if (!Arrays.asList(schema.fieldNames()).contains(inputCol)) {
            throw new IllegalArgumentException("input column '" + inputCol + "' does not exist; the columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        StructField input = schema.apply(inputCol);
        if (!(input.dataType() instanceof StringType)) {
            throw new IllegalArgumentException("input column '" + inputCol + "' holds " + input.dataType().simpleString()
                    + ", not the strings to embed");
        }
    }

    /**
     * {@link #compare(Dataset, String, ExecutorModel, ExecutorModel, int)} for two model files shipped with
     * {@code addFile} and read with the defaults ({@code ./tersor eval-embed}'s): mean pooling, unit length,
     * 32 texts per call, the fastest layouts.
     */
    public static CorpusComparison compare(Dataset<?> data, String inputCol, String evaluatedModel, String referenceModel,
                                           int neighbourSample) {
        EmbedderOptions defaults = EmbedderOptions.defaults();
        return compare(data, inputCol,
                ExecutorModel.prepare(data.sparkSession(), evaluatedModel, null, true, defaults.pooling(), defaults.normalize(),
                        32, "fastest"),
                ExecutorModel.prepare(data.sparkSession(), referenceModel, null, true, defaults.pooling(), defaults.normalize(),
                        32, "fastest"),
                neighbourSample);
    }

    /**
     * Compares the embeddings of {@code evaluated} with those of {@code reference} over the texts of
     * {@code inputCol}: mean, minimum and first-percentile cosine over every non-blank text, computed
     * on the executors (the cosines are kept, 8 bytes a text, to be read three times), and the top-10
     * neighbour overlap over the first {@code neighbourSample} distinct texts (their vectors are
     * brought to the driver; 0 skips it).
     *
     * @throws IllegalArgumentException if there is no text to compare or the sample is negative
     */
    public static CorpusComparison compare(Dataset<?> data, String inputCol, ExecutorModel evaluated,
                                           ExecutorModel reference, int neighbourSample) {
        requireTextColumn(data.schema(), inputCol);
        if (neighbourSample < 0) {
            throw new IllegalArgumentException("the neighbour sample must not be negative: " + neighbourSample);
        }
        Dataset<String> texts = data.toDF().select(col(inputCol)).where(col(inputCol).isNotNull()
                .and(trim(col(inputCol)).notEqual(""))).as(Encoders.STRING());
        Dataset<Double> cosines = texts.mapPartitions(new CosineBatches(evaluated, reference), Encoders.DOUBLE())
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Row totals = cosines.agg(count(col("value")), avg(col("value")), min(col("value"))).first();
            long n = totals.getLong(0);
            if (n == 0) {
                throw new IllegalArgumentException("column '" + inputCol + "' holds no text to compare");
            }
            double p1 = firstPercentile(cosines, n);
            double overlap = Double.NaN;
            int sampled = 0;
            if (neighbourSample > 0) {
                List<String> sample = new ArrayList<>(new LinkedHashSet<>(texts.limit(neighbourSample).collectAsList()));
                sampled = sample.size();
                overlap = sampleOverlap(data.sparkSession(), sample, evaluated, reference);
            }
            return new CorpusComparison(n, totals.getDouble(1), totals.getDouble(2), p1, sampled, overlap);
        } finally {
            cosines.unpersist();
        }
    }

    /**
     * The ⌈n/100⌉-th smallest cosine, exactly, without bringing a hundredth of the corpus to the
     * driver: a quantile sketch brackets it within a few ten-thousandths of the ranks, and only the
     * cosines inside the bracket are sorted on the driver.
     */
    static double firstPercentile(Dataset<Double> cosines, long n) {
        long rank = Math.max(1, (n + 99) / 100);
        double q = (double) rank / n;
        double[] bracket = cosines.stat().approxQuantile("value",
                new double[]{Math.max(0, q - 2 * PERCENTILE_SKETCH_ERROR), Math.min(1, q + 2 * PERCENTILE_SKETCH_ERROR)},
                PERCENTILE_SKETCH_ERROR);
        long below = cosines.where(col("value").lt(bracket[0])).count();
        List<Double> inside = cosines.where(col("value").geq(bracket[0]).and(col("value").leq(bracket[1])))
                .sort(col("value")).collectAsList();
        if (below < rank && below + inside.size() >= rank) {
            return inside.get((int) (rank - below - 1));
        }
        // The sketch's guarantee makes this unreachable; if it ever misses, the exact answer still costs only memory.
        List<Double> lowest = cosines.sort(col("value")).limit(Math.toIntExact(rank)).collectAsList();
        return lowest.getLast();
    }

    /** The top-10 overlap of {@code sample} under the two models, embedded on the executors. */
    private static double sampleOverlap(org.apache.spark.sql.SparkSession spark, List<String> sample,
                                        ExecutorModel evaluated, ExecutorModel reference) {
        List<Row> rows = new ArrayList<>(sample.size());
        for (int i = 0; i < sample.size(); i++) {
            rows.add(RowFactory.create(i, sample.get(i)));
        }
        StructType schema = new StructType().add("index", DataTypes.IntegerType, false).add("text", DataTypes.StringType, false);
        Dataset<Row> indexed = spark.createDataFrame(rows, schema);
        List<Row> embedded = embed(embed(indexed, "text", "evaluated", evaluated), "text", "reference", reference)
                .collectAsList();
        float[][] a = new float[sample.size()][];
        float[][] b = new float[sample.size()][];
        for (Row row : embedded) {
            int index = row.getInt(0);
            a[index] = floats(row.getList(2));
            b[index] = floats(row.getList(3));
        }
        return EmbeddingComparison.of(a, b).top10Overlap();
    }

    private static float[] floats(List<Float> values) {
        if (values == null) {
            return new float[0];
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
