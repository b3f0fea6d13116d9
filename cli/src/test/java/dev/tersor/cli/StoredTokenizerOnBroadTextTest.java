package dev.tersor.cli;

import dev.tersor.cli.corpus.BroadText;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.StoredTokenizer;
import dev.tersor.embed.Tokenizer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17's test of the stored tokenizer: MiniLM's tokenizer.json kept as its word list tokenizes
 * broad text exactly as the original file does: every English sentence of the proceedings (both
 * shares) and a spread of their lines in all eleven languages, Greek and accents included.
 */
class StoredTokenizerOnBroadTextTest {

    @Test
    void theWordListTokenizesBroadTextAsTheOriginalFile() throws Exception {
        Path onnx = EmbedCommandsTest.miniLm();
        Path file = Embedder.tokenizerCandidates(onnx).stream().filter(Files::isRegularFile).findFirst().orElseThrow();
        String json = Files.readString(file, StandardCharsets.UTF_8);
        String restored = StoredTokenizer.json(StoredTokenizer.entries(json));
        assertThat(restored).isNotEqualTo(json);

        List<String> texts = new ArrayList<>(BroadText.evaluation(MavenArtifacts.cacheDir(), Integer.MAX_VALUE));
        texts.addAll(BroadText.calibration(MavenArtifacts.cacheDir(), Integer.MAX_VALUE));
        texts.addAll(everyLanguage(BroadText.europarlFile(MavenArtifacts.cacheDir()), 20));
        assertThat(texts.size()).isGreaterThan(9000);
        long tokens = 0;
        try (Tokenizer original = Tokenizer.fromJson(json.getBytes(StandardCharsets.UTF_8));
             Tokenizer stored = Tokenizer.fromJson(restored.getBytes(StandardCharsets.UTF_8))) {
            for (String text : texts) {
                long[] ids = original.encode(text);
                assertThat(stored.encode(text)).as(text).isEqualTo(ids);
                tokens += ids.length;
            }
        }
        assertThat(tokens).isGreaterThan(200_000);
    }

    /** Every {@code step}-th line's text, whatever its language. */
    private static List<String> everyLanguage(Path gzip, int step) throws Exception {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(gzip)), StandardCharsets.UTF_8))) {
            String line;
            for (int i = 0; (line = reader.readLine()) != null; i++) {
                String[] fields = line.split("\t", 3);
                if (i % step == 0 && fields.length == 3) {
                    lines.add(fields[2]);
                }
            }
        }
        return lines;
    }
}
