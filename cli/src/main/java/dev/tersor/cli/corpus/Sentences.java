package dev.tersor.cli.corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sentence splitting and word counting shared by the built-in corpora. */
final class Sentences {

    /** A sentence ends at . ! or ? followed by space and a capital, a quote or a parenthesis. */
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[A-Z\"“(])");
    private static final Pattern WORD = Pattern.compile("[A-Za-z']+");
    /** English function words: their share tells English prose from other languages, code and lists. */
    private static final Set<String> FUNCTION_WORDS = Set.of("the", "of", "and", "to", "in", "is", "that", "for", "it",
            "on", "with", "as", "be", "this", "are", "by", "we", "have", "not", "which", "was", "at", "from", "an",
            "will", "has", "our", "but", "their", "they", "there", "been", "would", "should", "can", "all", "its",
            "also", "these", "or", "more");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private Sentences() {
    }

    /** The sentences of a paragraph, each with its runs of white space made one space; none empty. */
    static List<String> split(String paragraph) {
        List<String> out = new ArrayList<>();
        for (String part : SENTENCE_END.split(paragraph)) {
            String sentence = SPACE.matcher(part.strip()).replaceAll(" ");
            if (!sentence.isEmpty()) {
                out.add(sentence);
            }
        }
        return out;
    }

    /** The words (runs of Latin letters and apostrophes) of {@code text}. */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** How many of {@code words} are English function words. */
    static int functionWords(List<String> words) {
        int n = 0;
        for (String word : words) {
            if (FUNCTION_WORDS.contains(word.toLowerCase(Locale.ROOT))) {
                n++;
            }
        }
        return n;
    }

    /** Whether every character is printable and within Latin script (below U+0250). */
    static boolean latinPrintable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x250 || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }
}
