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
 * The runtime is a library: what it has to say goes through {@link System.Logger}, which the
 * application routes, never straight to the console it does not own.
 */
class NoConsoleOutputTest {

    private static final Pattern CONSOLE = Pattern.compile("System\\s*\\.\\s*(out|err)\\b");

    @Test
    void runtimeSourcesNeverPrintToTheConsole() throws IOException {
        // Surefire runs in the module's folder.
        Path sources = Path.of("src/main/java");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).toList();
        }
        assertThat(files).as("the runtime's sources under " + sources.toAbsolutePath())
                .anyMatch(f -> f.endsWith(Path.of("dev/tersor/embed/Embedder.java")));
        List<String> prints = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (CONSOLE.matcher(lines.get(i)).find()) {
                    prints.add(sources.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertThat(prints).as("System.out or System.err in runtime code; log through System.Logger").isEmpty();
    }
}
