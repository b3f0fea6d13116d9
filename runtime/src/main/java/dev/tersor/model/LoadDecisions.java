package dev.tersor.model;

import dev.tersor.format.MatrixFormats;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.CRC32C;

/**
 * The layouts an earlier load under the {@code fastest} policy chose for a file's product weights,
 * remembered so a later load of the same contents skips rating them (statistics decode every weight
 * and cost more than the rest of loading a dense model). A decision carries no trust: every later
 * load still checks every checksum and every layout, and transcodes losslessly into the remembered
 * format, whose encoder refuses what it cannot hold exactly (then the weight is rated afresh). A
 * stale, foreign or damaged entry can therefore cost speed or memory, never correctness.
 *
 * <p>An entry is keyed by the file's content identity: the checksums of its graph description
 * (which lists every array's checksum) and of its metadata, its size, plus this build's format
 * registry and cost rule. It is a small properties file in {@value #PROPERTY} (default
 * {@code $XDG_CACHE_HOME/tersor/load} or {@code ~/.cache/tersor/load}); {@code -Dtersor.load.cache=off}
 * turns remembering off.
 */
final class LoadDecisions {

    /** System property: the cache directory, or {@code off}. */
    static final String PROPERTY = "tersor.load.cache";

    /** Changes when what an entry means changes (the cost rule, the fields). */
    private static final String SCHEMA = "1";
    private static final String IDENTITY = "identity";
    private static final String WEIGHT = "weight.";

    private final Path directory;

    private LoadDecisions(Path directory) {
        this.directory = directory;
    }

    /** The cache the system property names, or none when it says {@code off}. */
    static Optional<LoadDecisions> configured() {
        String setting = System.getProperty(PROPERTY);
        if (setting != null && setting.strip().equalsIgnoreCase("off")) {
            return Optional.empty();
        }
        if (setting != null && !setting.isBlank()) {
            return Optional.of(new LoadDecisions(Path.of(setting.strip())));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return Optional.of(new LoadDecisions(base.resolve("tersor").resolve("load")));
    }

    /** The transcoded containers kept beside these decisions. */
    RunLayoutCache runLayouts() {
        return new RunLayoutCache(directory.resolve("run"));
    }

    /** The cache in {@code directory}. */
    static LoadDecisions in(Path directory) {
        return new LoadDecisions(directory);
    }

    /** The identity an entry for a container of content identity {@code contents} is stored under. */
    static String identity(String contents) {
        return SCHEMA + "|" + contents + "|" + String.join(",", MatrixFormats.names()) + "|rule-of-thumb";
    }

    /**
     * The remembered format of each weight, or empty when there is no entry for {@code identity}
     * or it cannot be read, names a format this build lacks, or was written for other contents.
     */
    Optional<Map<String, String>> recall(String identity) {
        Path file = fileFor(identity);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties entry = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            entry.load(in);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!identity.equals(entry.getProperty(IDENTITY))) {
            return Optional.empty();
        }
        Map<String, String> formats = new LinkedHashMap<>();
        for (String key : entry.stringPropertyNames()) {
            if (key.startsWith(WEIGHT)) {
                String format = entry.getProperty(key);
                if (!MatrixFormats.names().contains(format)) {
                    return Optional.empty();
                }
                formats.put(key.substring(WEIGHT.length()), format);
            }
        }
        return Optional.of(formats);
    }

    /**
     * Remembers {@code formats} (weight → format it runs in) for {@code identity}, replacing the
     * entry at once (written beside it, then moved). A cache that cannot be written is skipped: it
     * only saves time.
     */
    void remember(String identity, Map<String, String> formats) {
        Properties entry = new Properties();
        entry.setProperty(IDENTITY, identity);
        formats.forEach((weight, format) -> entry.setProperty(WEIGHT + weight, format));
        Path file = fileFor(identity);
        try {
            Files.createDirectories(directory);
            Path partial = Files.createTempFile(directory, file.getFileName().toString(), ".part");
            try {
                try (OutputStream out = Files.newOutputStream(partial)) {
                    entry.store(out, "Tersor load decisions; safe to delete");
                }
                move(partial, file);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException | SecurityException e) {
            // remembering is an optimization; the model loaded and runs either way
        }
    }

    /** The entry's file: named by a checksum of the identity, which the entry also holds in full. */
    Path fileFor(String identity) {
        CRC32C crc = new CRC32C();
        byte[] bytes = identity.getBytes(StandardCharsets.UTF_8);
        crc.update(bytes);
        return directory.resolve(String.format("%08x-%d.properties", crc.getValue(), bytes.length));
    }

    /** Moves {@code from} onto {@code to} atomically where the file system can, replacing what is there. */
    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
