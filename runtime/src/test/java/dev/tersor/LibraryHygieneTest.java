package dev.tersor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime is a library that applications embed: what it has to say goes through
 * {@link System.Logger}, which the application routes, never straight to a console it does not own;
 * and it starts no processes (fetching models and corpora with {@code mvn} or {@code apt} is the
 * CLI's business).
 */
class LibraryHygieneTest {

    /** Surefire runs in the module's folder. */
    private static final Path SOURCES = Path.of("src/main/java");

    @Test
    void runtimeSourcesNeverPrintToTheConsole() throws IOException {
        assertThat(linesMatching(Pattern.compile("System\\s*\\.\\s*(out|err)\\b")))
                .as("System.out or System.err in runtime code; log through System.Logger").isEmpty();
    }

    @Test
    void runtimeSourcesStartNoProcesses() throws IOException {
        assertThat(linesMatching(Pattern.compile("\\bProcessBuilder\\b|\\.exec\\s*\\(|ProcessHandle")))
                .as("runtime code that starts processes; the CLI fetches what a command needs").isEmpty();
    }

    /** {@code file:line: text} of every line of the runtime's sources that {@code pattern} finds. */
    private static List<String> linesMatching(Pattern pattern) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).toList();
        }
        assertThat(files).as("the runtime's sources under " + SOURCES.toAbsolutePath())
                .anyMatch(f -> f.endsWith(Path.of("dev/tersor/embed/Embedder.java")));
        List<String> found = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (pattern.matcher(lines.get(i)).find()) {
                    found.add(SOURCES.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        return found;
    }
}
