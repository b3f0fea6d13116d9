package dev.tersor.model;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * data.md's sentence corpus, which the build unpacks into the git-ignored cache (the runtime pom's
 * fetch-test-corpus execution): the runtime takes text as files and never fetches it itself. A
 * missing file is a failure, not a skip.
 */
public final class TestCorpora {

    private TestCorpora() {
    }

    /** {@code raw_sentences.txt} of dl4j-test-resources, 97,162 short sentences, one a line. */
    public static Path rawSentences() {
        String cache = System.getProperty("tersor.cache.dir");
        if (cache == null) {
            throw new IllegalStateException("tersor.cache.dir is not set; run the tests through Maven");
        }
        Path path = Path.of(cache, "corpus", "raw_sentences.txt");
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is missing: the build fetches it (mvn -pl runtime -am verify)");
        }
        return path;
    }
}
