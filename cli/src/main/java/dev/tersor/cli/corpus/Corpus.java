package dev.tersor.cli.corpus;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Real English sentences to evaluate embeddings on (data.md): {@code raw_sentences.txt} of
 * {@code org.deeplearning4j:dl4j-test-resources:0.4.0}, 97,162 short sentences, one per line. Fetched
 * with Maven on first use and cached as {@code <cache>/corpus/raw_sentences.txt}; read it with
 * {@link dev.tersor.embed.SentenceFile}.
 */
public final class Corpus {

    public static final String GROUP = "org.deeplearning4j";
    public static final String ARTIFACT = "dl4j-test-resources";
    public static final String VERSION = "0.4.0";
    public static final String ENTRY = "raw_sentences.txt";

    private Corpus() {
    }

    /** The cached {@code raw_sentences.txt} under {@link MavenArtifacts#cacheDir()}, fetched if needed. */
    public static Path rawSentences() throws IOException {
        return rawSentences(MavenArtifacts.cacheDir());
    }

    /** The cached {@code raw_sentences.txt} under {@code cacheDir}, fetched if needed. */
    public static Path rawSentences(Path cacheDir) throws IOException {
        return MavenArtifacts.extract(GROUP, ARTIFACT, VERSION, ENTRY, cacheDir.resolve("corpus").resolve(ENTRY));
    }
}
