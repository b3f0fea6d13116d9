package dev.tersor.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipFile;

/**
 * raw_sentences.txt of org.deeplearning4j:dl4j-test-resources:0.4.0 (data.md), from the local Maven
 * repository, split so that evaluation and calibration never share a sentence: the first distinct
 * sentences are the held-out evaluation set, calibration draws from the file's second half.
 */
final class CompressionCorpus {

    private static List<String> distinct;

    private CompressionCorpus() {
    }

    static synchronized List<String> sentences() throws IOException {
        if (distinct == null) {
            Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "deeplearning4j",
                    "dl4j-test-resources", "0.4.0", "dl4j-test-resources-0.4.0.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: the build fetches it (mvn -pl runtime -am verify)");
            }
            Set<String> set = new LinkedHashSet<>();
            try (ZipFile zip = new ZipFile(jar.toFile());
                 BufferedReader r = new BufferedReader(new InputStreamReader(
                         zip.getInputStream(zip.getEntry("raw_sentences.txt")), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    String s = line.strip();
                    if (!s.isEmpty()) {
                        set.add(s);
                    }
                }
            }
            distinct = List.copyOf(set);
        }
        return distinct;
    }

    /** The first {@code n} distinct sentences: evaluation only. */
    static List<String> heldOut(int n) throws IOException {
        return sentences().subList(0, n);
    }

    /** {@code n} distinct sentences from the second half, every {@code stride}-th: calibration only. */
    static List<String> calibration(int n, int offset) throws IOException {
        List<String> all = sentences();
        int start = all.size() / 2 + offset;
        int stride = Math.max(1, (all.size() - start) / Math.max(1, n));
        List<String> out = new ArrayList<>();
        for (int i = start; i < all.size() && out.size() < n; i += stride) {
            out.add(all.get(i));
        }
        return out;
    }

    static List<long[]> tokenize(WordPieceTokenizer tokenizer, List<String> sentences) {
        return sentences.stream().map(tokenizer::encode).toList();
    }
}
