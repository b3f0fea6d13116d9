package dev.tersor.model;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real models of data.md, which the build fetches into the git-ignored model cache (the runtime
 * pom's fetch-test-models and fetch-ppocr-classifier executions). A missing file is a failure, not a
 * skip: it means the build could not fetch it.
 */
public final class TestModels {

    private TestModels() {
    }

    public static Path dir() {
        String dir = System.getProperty("tersor.models.dir");
        if (dir == null) {
            throw new IllegalStateException("tersor.models.dir is not set; run the tests through Maven");
        }
        return Path.of(dir);
    }

    private static Path file(String relative) {
        Path path = dir().resolve(relative);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is missing: the build fetches it (mvn -pl runtime -am verify)");
        }
        return path;
    }

    public static Path miniLm() {
        return file("all-minilm-l6-v2/all-minilm-l6-v2.onnx");
    }

    public static Path miniLmTokenizer() {
        return file("all-minilm-l6-v2/all-minilm-l6-v2-tokenizer.json");
    }

    public static Path miniLmInt8() {
        return file("all-minilm-l6-v2-q/all-minilm-l6-v2-q.onnx");
    }

    public static Path bgeSmall() {
        return file("bge-small-en-v15/bge-small-en-v1.5.onnx");
    }

    public static Path bgeTokenizer() {
        return file("bge-small-en-v15/bge-small-en-v1.5-tokenizer.json");
    }

    public static Path ppOcrClassifier() {
        return file("ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx");
    }
}
