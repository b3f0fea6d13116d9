package dev.tersor.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends {@link TrialRecord}s, one JSON object per line, to the file named by {@value #PROPERTY}.
 * JMH forks run one after another, so each append is a whole line from a single writer. Without the
 * property (JMH run by hand) nothing is written; skipped and failed trials still throw, so JMH shows
 * them.
 */
public final class TrialLog {

    /** System property: the trial log file, set by the suite runner on every fork. */
    public static final String PROPERTY = "tersor.bench.trials";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TrialLog() {
    }

    /** Appends {@code record} to the file named by {@value #PROPERTY}, if it is set. */
    public static void append(TrialRecord record) {
        String file = System.getProperty(PROPERTY);
        if (file != null && !file.isBlank()) {
            append(Path.of(file), record);
        }
    }

    public static void append(Path file, TrialRecord record) {
        try {
            Files.writeString(file, JSON.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the trial log " + file, e);
        }
    }

    /** Every record of {@code file}; an absent file has none. */
    public static List<TrialRecord> read(Path file) {
        List<TrialRecord> records = new ArrayList<>();
        if (!Files.exists(file)) {
            return records;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    records.add(JSON.readValue(line, TrialRecord.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the trial log " + file, e);
        }
        return records;
    }
}
