package dev.tersor.cli.corpus;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Broad technical English: the long descriptions of Debian's packages, tens of thousands of
 * paragraphs about software of every kind. They are published in the archive's English translation
 * indexes ({@code Translation-en}; the {@code Packages} index that {@code apt-cache dumpavail} prints
 * holds only the one-line summaries), fetched with apt into a private index on first use
 * ({@link DebianArchive}); the distinct sentences are cached as
 * {@code <cache>/corpus/debian/package-descriptions.txt}, one a line.
 *
 * <p>A description is wrapped text in lines that begin with one space, {@code " ."} separating
 * paragraphs; lines that begin with two spaces are shown verbatim (tables, commands) and are
 * dropped, and a list item ({@code " * item"}) is a paragraph of its own. The one-line summary is
 * a title, not a sentence, and is dropped too. Sentences of 5 to 60 words with at least one English
 * function word in ten are kept. The split into shares is {@link HeldOutSplit}'s; evaluation takes
 * the first {@link HeldOutSplit#EVALUATION_SIZE} of its share in hash order, so the set stays the
 * same sample however the archive grows.
 */
public final class PackageDescriptions {

    /** What {@code eval-embed} calls this corpus. */
    public static final String NAME = "Debian package descriptions (held out)";

    private static final int MIN_WORDS = 5;
    private static final int MAX_WORDS = 60;
    private static final double ENGLISH_SHARE = 0.1;

    private PackageDescriptions() {
    }

    /** The cached distinct sentences, one a line, made from the archive's translation indexes on first use. */
    public static Path file(Path cacheDir) throws IOException {
        Path target = cacheDir.resolve("corpus").resolve("debian").resolve("package-descriptions.txt");
        if (Files.isRegularFile(target)) {
            return target;
        }
        DebianArchive archive = DebianArchive.in(cacheDir);
        Parser parser = new Parser();
        for (Path index : archive.translationIndexes()) {
            DebianArchive.readIndex(index, parser::line);
        }
        // a file of its own: two processes making the cache at once each move a whole file into place
        Path part = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        Files.write(part, parser.sentences(), StandardCharsets.UTF_8);
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** Up to {@code limit} (at most {@link HeldOutSplit#EVALUATION_SIZE}) held-out sentences, in hash order. */
    public static List<String> evaluation(Path cacheDir, int limit) throws IOException {
        return HeldOutSplit.evaluationInHashOrder(Files.readAllLines(file(cacheDir), StandardCharsets.UTF_8), limit);
    }

    /** {@code n} sentences of the calibration share, spread evenly over it. */
    public static List<String> calibration(Path cacheDir, int n) throws IOException {
        return HeldOutSplit.calibration(Files.readAllLines(file(cacheDir), StandardCharsets.UTF_8), n);
    }

    /** The distinct description sentences of an index's text ({@code Translation-en} or {@code Packages} stanzas). */
    static List<String> parse(String index) {
        Parser parser = new Parser();
        for (String line : index.split("\n", -1)) {
            parser.line(line);
        }
        return parser.sentences();
    }

    static boolean isProse(String sentence) {
        if (!Sentences.latinPrintable(sentence)) {
            return false;
        }
        List<String> words = Sentences.words(sentence);
        return words.size() >= MIN_WORDS && words.size() <= MAX_WORDS
                && Sentences.functionWords(words) >= ENGLISH_SHARE * words.size();
    }

    /** Reads stanzas line by line: a {@code Description} field's continuation lines are its long description. */
    static final class Parser {
        private final Set<String> sentences = new LinkedHashSet<>();
        private final StringBuilder paragraph = new StringBuilder();
        private boolean inDescription;

        void line(String line) {
            if (!line.startsWith(" ")) {
                endParagraph();
                // Description-en in the translations, Description where a Packages index carries the text itself
                inDescription = line.startsWith("Description:") || line.startsWith("Description-en:");
                return;
            }
            if (!inDescription) {
                return;
            }
            if (line.equals(" .") || line.startsWith("  ")) {
                endParagraph();
                return;
            }
            String text = line.strip();
            if (text.length() > 1 && "*-+o".indexOf(text.charAt(0)) >= 0 && text.charAt(1) == ' ') {
                endParagraph();
                text = text.substring(2).strip();
            }
            paragraph.append(text).append(' ');
        }

        private void endParagraph() {
            for (String sentence : Sentences.split(paragraph.toString())) {
                if (isProse(sentence)) {
                    sentences.add(sentence);
                }
            }
            paragraph.setLength(0);
        }

        List<String> sentences() {
            endParagraph();
            return List.copyOf(sentences);
        }
    }
}
