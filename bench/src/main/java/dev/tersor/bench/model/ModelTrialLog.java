package dev.tersor.bench.model;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The model suite's trial log: {@link ModelTrialRecord}s, one JSON object per line, appended to the
 * file named by {@value #PROPERTY} (set by the runner on every fork; without it nothing is written,
 * and failed checks still throw, so JMH shows them).
 */
public final class ModelTrialLog {

    public static final String PROPERTY = "tersor.bench.modelTrials";
    public static final String FILE = "model-trials.jsonl";

    private static final JsonMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private ModelTrialLog() {
    }

    public static void append(ModelTrialRecord record) {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isBlank()) {
            return;
        }
        try {
            Files.writeString(Path.of(file), JSON.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model trial log " + file, e);
        }
    }

    /** Every record of {@code file}; an absent file has none. */
    public static List<ModelTrialRecord> read(Path file) {
        List<ModelTrialRecord> records = new ArrayList<>();
        if (!Files.exists(file)) {
            return records;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    records.add(JSON.readValue(line, ModelTrialRecord.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model trial log " + file, e);
        }
        return records;
    }
}
