package dev.tersor.spark;

import dev.tersor.embed.Embedder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-row rules on their own, without Spark: what a batch holding texts the model cannot read
 * gives back. (Through Spark a non-Unicode string never arrives: Spark stores strings as UTF-8.)
 */
class RowBatchesTest {

    static Embedder embedder;

    @BeforeAll
    static void load() throws IOException {
        embedder = Embedder.load(LocalSpark.miniLm());
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    @Test
    void aTextThatIsNotUnicodeOrNullGetsNoVectorAndTheOthersKeepTheirs() {
        List<String> texts = Arrays.asList("first", "half a pair \uD800 here", null, "", "last");
        float[][] vectors = RowBatches.embed(embedder, texts);
        assertThat(vectors[1]).isNull();
        assertThat(vectors[2]).isNull();
        assertThat(vectors[0]).containsExactly(embedder.embed("first"));
        assertThat(LocalSpark.cosine(vectors[3], embedder.embed(""))).isGreaterThanOrEqualTo(0.99999);
        assertThat(LocalSpark.cosine(vectors[4], embedder.embed("last"))).isGreaterThanOrEqualTo(0.99999);
    }

    @Test
    void surrogatePairsAreUnicodeAndHalvesAreNot() {
        assertThat(RowBatches.isUnicode("emoji \uD83D\uDE00 ok")).isTrue();
        assertThat(RowBatches.isUnicode("\uDE00 low first")).isFalse();
        assertThat(RowBatches.isUnicode("high last \uD83D")).isFalse();
        assertThat(RowBatches.isUnicode("")).isTrue();
    }

    @Test
    void allBadGivesAllNullsWithoutCallingTheModel() {
        float[][] vectors = RowBatches.embed(embedder, Arrays.asList(null, "\uD800"));
        assertThat(vectors.length).isEqualTo(2);
        assertThat(vectors[0]).isNull();
        assertThat(vectors[1]).isNull();
    }
}
