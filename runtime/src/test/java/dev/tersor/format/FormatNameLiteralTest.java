package dev.tersor.format;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No main source of any module names a format by a string literal outside the format's own package
 * ({@code dev/tersor/format/<name>/}, where its row declares the name once). A {@code switch} or a
 * set over format names elsewhere is a fact about a format kept away from its row: forgetting to
 * extend it fails nothing. Code that needs a particular format refers to its row or its
 * {@code NAME} constant instead; code that needs a kind of format asks the rows.
 */
class FormatNameLiteralTest {

    private static final Pattern STRING_LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");

    @Test
    void noMainSourceNamesAFormatOutsideItsRow() throws IOException {
        Path root = repositoryRoot();
        Set<String> names = Set.copyOf(MatrixFormats.names());
        List<Path> sources;
        try (Stream<Path> modules = Files.list(root)) {
            sources = modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory)
                    .flatMap(FormatNameLiteralTest::javaFiles).toList();
        }
        assertThat(sources).as("main sources under " + root).isNotEmpty()
                .anyMatch(p -> p.endsWith(Path.of("dev/tersor/format/MatrixFormats.java")));
        List<String> found = new ArrayList<>();
        for (Path source : sources) {
            List<String> lines = Files.readAllLines(source);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) {
                    continue;
                }
                Matcher m = STRING_LITERAL.matcher(line);
                while (m.find()) {
                    String literal = m.group(1);
                    if (names.contains(literal) && !inOwnPackage(source, literal)) {
                        found.add(root.relativize(source) + ":" + (i + 1) + " \"" + literal + "\"");
                    }
                }
            }
        }
        assertThat(found).as("format names spelled outside their rows; use the row (FooMatrix.FORMAT) or ask "
                + "MatrixFormats for the formats with a fact").isEmpty();
    }

    @Test
    void theScanSeesALiteralOutsideItsPackage() {
        Matcher m = STRING_LITERAL.matcher("if (format.equals(\"csr\") || x.equals(\"a\\\"b\")) {");
        List<String> literals = new ArrayList<>();
        while (m.find()) {
            literals.add(m.group(1));
        }
        assertThat(literals).containsExactly("csr", "a\\\"b");
        assertThat(inOwnPackage(Path.of("runtime/src/main/java/dev/tersor/format/csr/CsrMatrix.java"), "csr")).isTrue();
        assertThat(inOwnPackage(Path.of("runtime/src/main/java/dev/tersor/format/cser/GroupedRows.java"), "csr")).isFalse();
        assertThat(inOwnPackage(Path.of("cli/src/main/java/dev/tersor/cli/MatrixCommand.java"), "csr")).isFalse();
    }

    private static boolean inOwnPackage(Path source, String format) {
        return source.getParent().endsWith(Path.of("dev", "tersor", "format", format));
    }

    private static Stream<Path> javaFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory holding the modules: the first ancestor of the working directory with a {@code runtime} module. */
    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("runtime/src/main/java")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }
}
