package dev.tersor.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** README's "Use from LangChain4j" example runs as written, and says what this test runs. */
class ReadmeExampleTest {

    @Test
    void theReadmeExampleFindsTheRocket() throws IOException {
        Path model = TersorEmbeddingModelTest.miniLm();
        String answer;
        // From here to the end of the block: README.md, line for line.
        try (TersorEmbeddingModel embeddings = TersorEmbeddingModel.load(model)) {
            EmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
            List<TextSegment> documents = Stream.of(
                    "The rocket launched into orbit.",
                    "Stocks fell sharply on Monday.",
                    "I love eating pizza with friends.").map(TextSegment::from).toList();
            store.addAll(embeddings.embedAll(documents).content(), documents);   // one batched model call

            Embedding question = embeddings.embed("A spacecraft lifted off toward space.").content();
            List<EmbeddingMatch<TextSegment>> best = store.search(EmbeddingSearchRequest.builder()
                    .queryEmbedding(question).maxResults(1).build()).matches();
            answer = best.getFirst().embedded().text();   // "The rocket launched into orbit."
        }
        assertThat(answer).isEqualTo("The rocket launched into orbit.");
    }

    /**
     * Every line of README's example after its {@code Path model} line is a line of the test above
     * (the test only declares {@code answer} outside the block to check it), so neither can change alone.
     */
    @Test
    void theReadmeShowsTheCodeThisTestRuns() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        int section = readme.indexOf("## Use from LangChain4j");
        assertThat(section).as("README has the section").isNotNegative();
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        List<String> example = readme.substring(start, readme.indexOf("```", start)).lines().map(String::strip)
                .filter(line -> !line.isEmpty()).toList();
        assertThat(example.getFirst()).startsWith("Path model = ");
        List<String> test = Files.readAllLines(Path.of("src/test/java/dev/tersor/langchain4j/ReadmeExampleTest.java"))
                .stream().map(String::strip).filter(line -> !line.isEmpty()).toList();
        List<String> body = example.subList(1, example.size());
        int from = test.indexOf(body.getFirst());
        assertThat(from).as("the test holds the example's first line").isNotNegative();
        assertThat(test.subList(from, from + body.size()))
                .containsExactlyElementsOf(body.stream().map(line -> line.replace("String answer = ", "answer = ")).toList());
    }
}
