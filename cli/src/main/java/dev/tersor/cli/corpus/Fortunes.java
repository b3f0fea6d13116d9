package dev.tersor.cli.corpus;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Broad English text of another register than Europarl's debates: the quotations, jokes and
 * definitions of Debian's {@code fortunes} and {@code fortunes-min} packages ({@code %}-separated
 * entries under {@code usr/share/games/fortunes/}), fetched with apt into the cache on first use. The
 * packages' offensive companion, {@code fortunes-off}, is never read.
 *
 * <p>Entries become sentences: the attribution that closes many of them ({@code -- Author}) and
 * everything after it is dropped, as are overstruck lines (terminal bold), pictures and sentences of
 * fewer than {@value #MIN_WORDS} words. The split into shares is {@link HeldOutSplit}'s.
 */
public final class Fortunes {

    /** What {@code eval-embed} calls this corpus. */
    public static final String NAME = "Debian fortunes (held out)";

    /** The Debian packages read. */
    public static final List<String> PACKAGES = List.of("fortunes", "fortunes-min");

    /**
     * Files of those packages left out: pictures ({@code art}, {@code ascii-art}), text that is not
     * English ({@code translate-me}), and jokes about groups of people ({@code ethnic},
     * {@code men-women}), which a test corpus has no need of.
     */
    static final Set<String> EXCLUDED_FILES = Set.of("art", "ascii-art", "translate-me", "ethnic", "men-women");

    static final int MIN_WORDS = 4;
    private static final int MAX_WORDS = 60;
    private static final Path FORTUNE_DIR = Path.of("usr", "share", "games", "fortunes");

    private Fortunes() {
    }

    /** The directory of fortune files under {@code cacheDir}, fetched with apt on first use. */
    public static Path directory(Path cacheDir) throws IOException {
        Path unpacked = DebianArchive.in(cacheDir).unpack(PACKAGES, cacheDir.resolve("corpus").resolve("debian").resolve("fortunes"));
        return unpacked.resolve(FORTUNE_DIR);
    }

    /** Up to {@code limit} (at most {@link HeldOutSplit#EVALUATION_SIZE}) held-out sentences, in hash order. */
    public static List<String> evaluation(Path cacheDir, int limit) throws IOException {
        return HeldOutSplit.evaluationInHashOrder(sentences(directory(cacheDir)), limit);
    }

    /** {@code n} sentences of the calibration share, spread evenly over it. */
    public static List<String> calibration(Path cacheDir, int n) throws IOException {
        return HeldOutSplit.calibration(sentences(directory(cacheDir)), n);
    }

    /**
     * The distinct sentences of the fortune files in {@code dir} (a file with a {@code .dat} index
     * beside it, not excluded), files in name order.
     */
    static List<String> sentences(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .filter(f -> Files.isRegularFile(f.resolveSibling(f.getFileName() + ".dat")))
                    .filter(f -> !EXCLUDED_FILES.contains(f.getFileName().toString()))
                    .sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException(dir + " holds no fortune files");
        }
        Set<String> sentences = new LinkedHashSet<>();
        for (Path file : files) {
            // the packages' files are ASCII or UTF-8; a stray Latin-1 byte only costs its sentence
            sentences.addAll(parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8)));
        }
        return List.copyOf(sentences);
    }

    /** The sentences of one fortune file's text, in order, repeats kept. */
    static List<String> parse(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder entry = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.equals("%")) {
                addEntry(entry.toString(), out);
                entry.setLength(0);
            } else {
                entry.append(line).append('\n');
            }
        }
        addEntry(entry.toString(), out);
        return out;
    }

    private static void addEntry(String entry, List<String> out) {
        StringBuilder paragraph = new StringBuilder();
        for (String line : entry.split("\n")) {
            String stripped = line.strip();
            if (stripped.startsWith("--") || stripped.startsWith("—")) {
                break;
            }
            if (stripped.isEmpty() || !Sentences.latinPrintable(line.replace('\t', ' '))) {
                // a blank line ends a paragraph; so does a line of terminal control codes, which is dropped
                addParagraph(paragraph.toString(), out);
                paragraph.setLength(0);
            } else {
                paragraph.append(stripped).append(' ');
            }
        }
        addParagraph(paragraph.toString(), out);
    }

    private static void addParagraph(String paragraph, List<String> out) {
        for (String sentence : Sentences.split(paragraph)) {
            if (isProse(sentence)) {
                out.add(sentence);
            }
        }
    }

    /** 4 to 60 words whose letters are most of the non-space characters (not a picture, a table or code). */
    static boolean isProse(String sentence) {
        List<String> words = Sentences.words(sentence);
        if (words.size() < MIN_WORDS || words.size() > MAX_WORDS) {
            return false;
        }
        int letters = 0;
        for (String word : words) {
            letters += word.length();
        }
        return letters * 4 >= sentence.replace(" ", "").length() * 3;
    }
}
