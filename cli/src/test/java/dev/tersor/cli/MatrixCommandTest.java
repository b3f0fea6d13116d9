package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MatrixCommandTest {

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static List<Map<String, Object>> parseArray(String json) throws IOException {
        List<Map<String, Object>> objects = new ArrayList<>();
        try (JsonParser parser = new JsonFactory().createParser(json)) {
            assertThat(parser.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                Map<String, Object> object = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    object.put(name, switch (value) {
                        case VALUE_TRUE, VALUE_FALSE -> parser.getBooleanValue();
                        case VALUE_NUMBER_INT -> parser.getLongValue();
                        case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
                        default -> parser.getText();
                    });
                }
                objects.add(object);
            }
        }
        return objects;
    }

    @Test
    void jsonListsEveryFormatWithItsSizeAndRoundTrip() throws IOException {
        Run run = run("matrix", "--rows", "200", "--cols", "300", "--density", "0.1", "--values", "16", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<Map<String, Object>> rows = parseArray(run.out());
        assertThat(rows).extracting(r -> r.get("format")).contains("dense", "csr", "cer", "cser");
        for (Map<String, Object> row : rows) {
            assertThat(row).containsKeys("format", "bytes", "bitsPerWeight", "ratio", "roundTrip");
            assertThat(row.get("roundTrip")).isEqualTo(true);
            long bytes = (Long) row.get("bytes");
            assertThat((Double) row.get("bitsPerWeight")).isCloseTo(8.0 * bytes / (200 * 300),
                    org.assertj.core.data.Offset.offset(1e-3));
        }
        Map<String, Object> dense = rows.getFirst();
        assertThat(dense.get("bytes")).isEqualTo(16L + 4L * 200 * 300);
        assertThat(dense.get("ratio")).isEqualTo(1.0);
    }

    @Test
    void tableShowsTheMatrixAndOneRowPerFormat() {
        Run run = run("matrix", "--rows", "64", "--cols", "64", "--density", "1", "--values", "3", "--distribution", "peaked");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("64x64", "entropy", "round trip").containsPattern("(?m)^cser .* ok ");
    }

    @Test
    void badArgumentsFailWithAMessage() {
        Run run = run("matrix", "--rows", "4", "--cols", "4", "--density", "2", "--values", "3");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("density must be in [0, 1]");
        Run missing = run("matrix", "--rows", "4");
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.err()).contains("Missing required options");
    }

    @Test
    void versionAndHelp() {
        Run version = run("--version");
        assertThat(version.out()).startsWith("tersor ").doesNotContain("unknown");
        Run help = run("--help");
        assertThat(help.out()).contains("matrix", "info", "test", "spark-embed", "spark-eval-embed");
        Run info = run("info");
        assertThat(info.exitCode()).isZero();
        assertThat(info.out()).contains("kernels ", "scalar", "cser");
    }
}
