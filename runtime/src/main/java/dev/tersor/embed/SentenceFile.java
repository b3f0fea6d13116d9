package dev.tersor.embed;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A UTF-8 text file of one sentence a line, as corpora and calibration files are. */
public final class SentenceFile {

    private SentenceFile() {
    }

    /**
     * Up to {@code limit} sentences of {@code file}, in file order, stripped, skipping blank lines and
     * repeats (a repeated sentence would be its own nearest neighbour).
     *
     * @throws IllegalArgumentException if the file is not UTF-8 text
     */
    public static List<String> read(Path file, int limit) throws IOException {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        List<String> sentences = new ArrayList<>();
        Set<String> seen = new HashSet<>();
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
