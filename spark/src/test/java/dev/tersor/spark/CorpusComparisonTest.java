package dev.tersor.spark;

import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.embed.Pooling;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The distributed evaluation against {@code eval-embed}'s own arithmetic ({@link EmbeddingComparison})
 * on the same texts: MiniLM's published int8 twin against fp32, in local mode.
 */
class CorpusComparisonTest {

    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start();
    }

    @AfterAll
    static void stop() {
        ExecutorEmbedders.closeAll();
        spark.stop();
    }

    static ExecutorModel shipped(java.nio.file.Path model) {
        return ExecutorModel.prepare(spark, model.toString(), null, true, Pooling.MEAN, true, 32, "fastest");
    }

    @Test
    void theFiguresAreEvalEmbedsOverEveryTextAndTheNeighbourOverlapOverTheSample() throws IOException {
        List<String> texts = LocalSpark.rawSentences(1000);
        List<String> withBadRows = new ArrayList<>(texts);
        withBadRows.add(10, null);
        withBadRows.add(500, "  ");
        StructType schema = new StructType().add("sentence", DataTypes.StringType, true);
        List<Row> rows = withBadRows.stream().map(t -> RowFactory.create(t)).toList();
        Dataset<Row> corpus = spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(rows, 4), schema);

        CorpusComparison distributed = TersorSpark.compare(corpus, "sentence", shipped(LocalSpark.miniLmInt8()),
                shipped(LocalSpark.miniLm()), 1000);

        EmbeddingComparison local;
        try (Embedder int8 = Embedder.load(LocalSpark.miniLmInt8()); Embedder fp32 = Embedder.load(LocalSpark.miniLm())) {
            local = EmbeddingComparison.of(int8, fp32, texts);
        }
        assertThat(distributed.sentences()).isEqualTo(1000);
        assertThat(distributed.meanCosine()).isCloseTo(local.meanCosine(), within(1e-6));
        assertThat(distributed.minCosine()).isCloseTo(local.minCosine(), within(1e-6));
        assertThat(distributed.p1Cosine()).isCloseTo(local.p1Cosine(), within(1e-6));
        assertThat(distributed.neighbourSample()).isEqualTo(1000);
        assertThat(distributed.top10Overlap()).isCloseTo(local.top10Overlap(), within(1e-3));
        // int8 is close to fp32 but not equal to it: the figures measure something.
        assertThat(distributed.meanCosine()).isBetween(0.9, 0.99999);
        assertThat(distributed.minCosine()).isLessThan(distributed.p1Cosine());
    }

    @Test
    void theFirstPercentileIsExactByNearestRank() {
        Random random = new Random(7);
        for (int n : new int[]{1, 99, 100, 101, 5000, 20011}) {
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                // few distinct values as well as many: ties at the rank must not move it
                values[i] = n == 5000 ? random.nextInt(50) / 50.0 : random.nextGaussian();
            }
            List<Double> boxed = Arrays.stream(values).boxed().toList();
            Dataset<Double> cosines = spark.createDataset(boxed, Encoders.DOUBLE()).repartition(3);
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            double expected = sorted[(int) Math.max(1, Math.ceil(n / 100.0)) - 1];
            assertThat(TersorSpark.firstPercentile(cosines, n)).as("n = " + n).isEqualTo(expected);
        }
    }

    @Test
    void aCorpusWithoutTextIsAnErrorAndTheSampleMayBeSkipped() {
        StructType schema = new StructType().add("text", DataTypes.StringType, true);
        Dataset<Row> blank = spark.createDataFrame(List.of(RowFactory.create(""), RowFactory.create((Object) null)), schema);
        assertThatThrownBy(() -> TersorSpark.compare(blank, "text", shipped(LocalSpark.miniLmInt8()),
                shipped(LocalSpark.miniLm()), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("column 'text' holds no text to compare");

        Dataset<Row> two = spark.createDataFrame(List.of(RowFactory.create("one sentence"), RowFactory.create("another")), schema);
        CorpusComparison noSample = TersorSpark.compare(two, "text", shipped(LocalSpark.miniLmInt8()),
                shipped(LocalSpark.miniLm()), 0);
        assertThat(noSample.sentences()).isEqualTo(2);
        assertThat(noSample.neighbourSample()).isZero();
        assertThat(noSample.top10Overlap()).isNaN();
    }
}
