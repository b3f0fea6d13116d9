package dev.tersor.embed;

import dev.tersor.io.MavenArtifacts;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real English sentences to evaluate embeddings on (data.md): {@code raw_sentences.txt} of
 * {@code org.deeplearning4j:dl4j-test-resources:0.4.0}, 97,162 short sentences, one per line. Fetched
 * with Maven on first use and cached as {@code <cache>/corpus/raw_sentences.txt}.
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

    /**
     * Up to {@code limit} sentences of a one-per-line text file, in file order, skipping blank lines
     * and repeats (a repeated sentence would be its own nearest neighbour).
     */
    public static List<String> read(Path file, int limit) throws IOException {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        List<String> sentences = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while (sentences.size() < limit && (line = reader.readLine()) != null) {
                String sentence = line.strip();
                if (!sentence.isEmpty() && seen.add(sentence)) {
                    sentences.add(sentence);
                }
            }
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not UTF-8 text (a corpus holds one sentence a line)", e);
        }
        return sentences;
    }
}
