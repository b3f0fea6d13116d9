package dev.tersor.cli.corpus;

import dev.tersor.embed.SentenceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** data.md's sentence corpus, which the build unpacks into the cache (fetch-test-corpus). */
class CorpusTest {

    @Test
    void rawSentencesAreCachedAndRead() throws Exception {
        Path file = Corpus.rawSentences();
        assertThat(file).startsWith(MavenArtifacts.cacheDir()).isRegularFile();
        assertThat(Files.size(file)).isEqualTo(2_955_731L);
        List<String> sentences = SentenceFile.read(file, 2000);
        assertThat(sentences).hasSize(2000).doesNotContain("");
        assertThat(new HashSet<>(sentences)).hasSize(2000);
    }

    @Test
    void extractsFromTheLocalMavenRepositoryIntoAFreshCache(@TempDir Path cache) throws Exception {
        Path file = Corpus.rawSentences(cache);
        assertThat(file).isEqualTo(cache.resolve("corpus").resolve("raw_sentences.txt"));
        assertThat(Files.mismatch(file, Corpus.rawSentences())).isEqualTo(-1L);
        assertThat(Files.list(file.getParent())).containsExactly(file);
    }
}
