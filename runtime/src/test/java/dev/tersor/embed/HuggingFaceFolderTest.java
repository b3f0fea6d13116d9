package dev.tersor.embed;

import dev.tersor.model.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hugging Face model folders built at test time around the real all-MiniLM-L6-v2 (its ONNX file and
 * tokenizer.json linked in, the sentence-transformers config files written by hand as that model's
 * repository has them), and a fake Hugging Face cache holding one.
 */
class HuggingFaceFolderTest {

    static final List<String> SENTENCES = List.of(EmbedderTest.GOLDEN,
            "Tersor runs compressed neural networks on the JVM.",
            "A man is playing a guitar on a small stage.",
            "It was the best of times, it was the worst of times.",
            "short",
            "Der schnelle braune Fuchs springt über den faulen Hund.",
            "long ".repeat(300));

    static final String CONFIG = """
            {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6,
             "max_position_embeddings": 512}""";
    static final String MODULES = """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]""";
    static final String MEAN_POOLING = """
            {"word_embedding_dimension": 384, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true,
             "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}""";
    /** 128 as the model's tokenizer.json truncates, so the folder and the bare file must agree bit for bit. */
    static final String BERT_CONFIG = """
            {"max_seq_length": 128, "do_lower_case": false}""";
    static final String PROMPTS = """
            {"prompts": {"query": "query: ", "document": "passage: "}, "default_prompt_name": null}""";

    /** all-MiniLM-L6-v2 as a sentence-transformers folder, its weights in onnx/ like the Hub's exports. */
    static Path miniLmFolder(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("onnx"));
        Files.createSymbolicLink(dir.resolve("onnx/model.onnx"), TestModels.miniLm());
        Files.createSymbolicLink(dir.resolve("tokenizer.json"), TestModels.miniLmTokenizer());
        write(dir, "config.json", CONFIG);
        write(dir, "modules.json", MODULES);
        write(dir, "1_Pooling/config.json", MEAN_POOLING);
        write(dir, "sentence_bert_config.json", BERT_CONFIG);
        write(dir, "config_sentence_transformers.json", PROMPTS);
        return dir;
    }

    static void write(Path dir, String file, String text) throws IOException {
        Path path = dir.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
    }

    @Test
    void aFolderEmbedsBitForBitAsItsOnnxFile(@TempDir Path tmp) throws Exception {
        Path folder = miniLmFolder(tmp.resolve("all-MiniLM-L6-v2"));
        try (Embedder fromFolder = Embedder.load(folder);
             Embedder fromFile = Embedder.load(TestModels.miniLm())) {
            float[][] a = fromFolder.embed(SENTENCES);
            float[][] b = fromFile.embed(SENTENCES);
            for (int i = 0; i < SENTENCES.size(); i++) {
                assertThat(a[i]).as("sentence %d", i).containsExactly(b[i]);
            }
            assertThat(fromFolder.modelId()).isEqualTo("all-MiniLM-L6-v2");
            assertThat(fromFolder.prompts()).isEqualTo(new Prompts(Map.of("query", "query: ", "document", "passage: "), ""));
            assertThat(fromFolder.prompts().query()).isEqualTo("query: ");
            assertThat(fromFolder.prompts().document()).isEqualTo("passage: ");
        }
    }

    @Test
    void weightsAtTheTopOfTheFolderLoadToo(@TempDir Path tmp) throws Exception {
        Path folder = miniLmFolder(tmp.resolve("m"));
        Files.move(folder.resolve("onnx/model.onnx"), folder.resolve("model.onnx"));
        assertThat(HuggingFaceFolder.read(folder).weights()).isEqualTo(folder.toAbsolutePath().resolve("model.onnx"));
    }

    @Test
    void maxSeqLengthOverridesTheTokenizerJson(@TempDir Path tmp) throws Exception {
        Path folder = miniLmFolder(tmp.resolve("m"));
        write(folder, "sentence_bert_config.json", "{\"max_seq_length\": 256}");
        try (Embedder embedder = Embedder.load(folder)) {
            assertThat(embedder.tokenizer().maxTokens()).isEqualTo(256);
            assertThat(embedder.tokenCounts(List.of("long ".repeat(300), "short"))).containsExactly(256, 3);
        }
    }

    @Test
    void poolingAndNormalizationFollowTheFolderOverTheOptions(@TempDir Path tmp) throws Exception {
        Path folder = miniLmFolder(tmp.resolve("m"));
        write(folder, "1_Pooling/config.json", MEAN_POOLING.replace("\"pooling_mode_cls_token\": false", "\"pooling_mode_cls_token\": true")
                .replace("\"pooling_mode_mean_tokens\": true", "\"pooling_mode_mean_tokens\": false"));
        write(folder, "modules.json", MODULES.substring(0, MODULES.indexOf(",\n {\"idx\": 2")) + "]");
        EmbedderOptions clsRaw = EmbedderOptions.defaults().withPooling(Pooling.CLS).withNormalize(false);
        try (Embedder fromFolder = Embedder.load(folder, null, EmbedderOptions.defaults());
             Embedder fromFile = Embedder.load(TestModels.miniLm(), null, clsRaw)) {
            assertThat(fromFolder.options().pooling()).isEqualTo(Pooling.CLS);
            assertThat(fromFolder.options().normalize()).isFalse();
            float[][] a = fromFolder.embed(SENTENCES);
            float[][] b = fromFile.embed(SENTENCES);
            for (int i = 0; i < SENTENCES.size(); i++) {
                assertThat(a[i]).as("sentence %d", i).containsExactly(b[i]);
            }
        }
    }

    @Test
    void withoutSentenceTransformersFilesTheOptionsStand(@TempDir Path tmp) throws Exception {
        Path folder = tmp.resolve("plain");
        Files.createDirectories(folder);
        Files.createSymbolicLink(folder.resolve("model.onnx"), TestModels.miniLm());
        Files.createSymbolicLink(folder.resolve("tokenizer.json"), TestModels.miniLmTokenizer());
        write(folder, "config.json", CONFIG);
        HuggingFaceFolder read = HuggingFaceFolder.read(folder);
        EmbedderOptions base = EmbedderOptions.defaults().withPooling(Pooling.CLS).withNormalize(false);
        assertThat(read.options(base)).isEqualTo(base);
        assertThat(read.maxSeqLength()).isZero();
        assertThat(read.prompts()).isEqualTo(Prompts.NONE);
    }

    @Test
    void aCacheSnapshotResolvesByModelId(@TempDir Path tmp) throws Exception {
        String commit = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf";
        Path repository = tmp.resolve("hub/models--sentence-transformers--all-MiniLM-L6-v2");
        miniLmFolder(repository.resolve("snapshots").resolve(commit));
        write(repository, "refs/main", commit);
        HuggingFaceCache cache = new HuggingFaceCache(tmp.resolve("hub"));
        Path snapshot = cache.snapshot("sentence-transformers/all-MiniLM-L6-v2");
        assertThat(snapshot).isEqualTo(repository.resolve("snapshots").resolve(commit).toAbsolutePath());
        assertThat(cache.locate("sentence-transformers/all-MiniLM-L6-v2")).isEqualTo(snapshot);
        assertThat(HuggingFaceFolder.read(snapshot).modelId()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
        try (Embedder embedder = Embedder.load(snapshot)) {
            assertThat(embedder.modelId()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
            assertThat(embedder.dimension()).isEqualTo(384);
        }
    }

    @Test
    void theCacheIsWhereTheHuggingFaceToolsPutIt() {
        Path home = Path.of("/home/u");
        assertThat(HuggingFaceCache.hubDirectory(Map.of("HF_HUB_CACHE", "/h", "HF_HOME", "/x"), home)).isEqualTo(Path.of("/h"));
        assertThat(HuggingFaceCache.hubDirectory(Map.of("HF_HOME", "/x", "XDG_CACHE_HOME", "/c"), home)).isEqualTo(Path.of("/x/hub"));
        assertThat(HuggingFaceCache.hubDirectory(Map.of("XDG_CACHE_HOME", "/c"), home)).isEqualTo(Path.of("/c/huggingface/hub"));
        assertThat(HuggingFaceCache.hubDirectory(Map.of(), home)).isEqualTo(Path.of("/home/u/.cache/huggingface/hub"));
    }

    @Test
    void aModelMissingFromTheCacheIsOneLine(@TempDir Path tmp) throws Exception {
        HuggingFaceCache cache = new HuggingFaceCache(tmp);
        oneLine(assertThatThrownBy(() -> cache.snapshot("org/absent")).isInstanceOf(ModelNotCachedException.class),
                "org/absent is not in the Hugging Face cache " + tmp.toAbsolutePath() + " (no models--org--absent); Tersor never downloads");
        Path repository = tmp.resolve("models--org--partial");
        Files.createDirectories(repository.resolve("snapshots"));
        oneLine(assertThatThrownBy(() -> cache.snapshot("org/partial")).isInstanceOf(ModelNotCachedException.class),
                "org/partial in the Hugging Face cache has no refs/main");
        write(repository, "refs/main", "0123456789012345678901234567890123456789");
        oneLine(assertThatThrownBy(() -> cache.snapshot("org/partial")).isInstanceOf(ModelNotCachedException.class),
                "org/partial's refs/main names commit 0123456789012345678901234567890123456789, whose snapshot");
        write(repository, "refs/main", "../../elsewhere");
        oneLine(assertThatThrownBy(() -> cache.snapshot("org/partial")).isInstanceOf(ModelNotCachedException.class),
                repository.resolve("refs/main").toAbsolutePath() + " does not hold a commit hash");
        assertThatThrownBy(() -> cache.snapshot("../etc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'../etc' is not a Hugging Face model id (org/name)");
        oneLine(assertThatThrownBy(() -> cache.locate("org/absent")).isInstanceOf(ModelNotCachedException.class),
                "there is no file or folder org/absent, and org/absent is not in the Hugging Face cache");
        assertThatThrownBy(() -> cache.locate(tmp.resolve("none.onnx").toString())).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void missingFilesAreOneLine(@TempDir Path tmp) throws Exception {
        Path folder = miniLmFolder(tmp.resolve("m"));
        Files.delete(folder.resolve("tokenizer.json"));
        folderError(folder, folder + " has no tokenizer.json");

        folder = miniLmFolder(tmp.resolve("no-weights"));
        Files.delete(folder.resolve("onnx/model.onnx"));
        folderError(folder, folder + " has no onnx/model.onnx or model.onnx");
        write(folder, "model.safetensors", "");
        folderError(folder, folder + " has model.safetensors but no onnx/model.onnx or model.onnx;"
                + " Tersor loads a folder's weights from ONNX for now");

        folder = miniLmFolder(tmp.resolve("no-config"));
        Files.delete(folder.resolve("config.json"));
        folderError(folder, folder + " has no config.json: not a Hugging Face model folder");

        folder = miniLmFolder(tmp.resolve("no-pooling"));
        Files.delete(folder.resolve("1_Pooling/config.json"));
        folderError(folder, folder + "/modules.json lists a Pooling module, but 1_Pooling/config.json is missing");

        Path file = tmp.resolve("file.onnx");
        Files.writeString(file, "");
        folderError(file, file + " is not a folder");
    }

    @Test
    void conflictingOrUnsupportedFilesAreOneLine(@TempDir Path tmp) throws Exception {
        Path both = miniLmFolder(tmp.resolve("both"));
        Files.createSymbolicLink(both.resolve("model.onnx"), TestModels.miniLm());
        folderError(both, both + " has both onnx/model.onnx and model.onnx; load the one you mean as a file");

        Path wide = miniLmFolder(tmp.resolve("wide"));
        write(wide, "1_Pooling/config.json", MEAN_POOLING.replace("384", "768"));
        folderError(wide, wide + ": 1_Pooling/config.json pools 768-wide token vectors but config.json's hidden_size is 384");

        Path max = miniLmFolder(tmp.resolve("max"));
        write(max, "1_Pooling/config.json", MEAN_POOLING.replace("\"pooling_mode_mean_tokens\": true", "\"pooling_mode_mean_tokens\": false")
                .replace("\"pooling_mode_max_tokens\": false", "\"pooling_mode_max_tokens\": true"));
        folderError(max, max + "/1_Pooling/config.json pools with pooling_mode_max_tokens;"
                + " Tersor pools with pooling_mode_mean_tokens or pooling_mode_cls_token");

        Path two = miniLmFolder(tmp.resolve("two"));
        write(two, "1_Pooling/config.json", MEAN_POOLING.replace("\"pooling_mode_cls_token\": false", "\"pooling_mode_cls_token\": true"));
        folderError(two, two + "/1_Pooling/config.json turns on [pooling_mode_cls_token, pooling_mode_mean_tokens];"
                + " Tersor pools with exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token");

        Path longer = miniLmFolder(tmp.resolve("longer"));
        write(longer, "sentence_bert_config.json", "{\"max_seq_length\": 1024}");
        folderError(longer, longer + ": sentence_bert_config.json's max_seq_length 1024 is more than config.json's"
                + " max_position_embeddings 512");

        Path prompt = miniLmFolder(tmp.resolve("prompt"));
        write(prompt, "config_sentence_transformers.json", "{\"prompts\": {\"query\": \"q: \"}, \"default_prompt_name\": \"passage\"}");
        folderError(prompt, prompt + "/config_sentence_transformers.json: default_prompt_name 'passage' is not one of its prompts [query]");

        Path dense = miniLmFolder(tmp.resolve("dense"));
        write(dense, "modules.json", MODULES.replace("sentence_transformers.models.Normalize", "sentence_transformers.models.Dense"));
        folderError(dense, dense + "/modules.json lists sentence_transformers.models.Dense, which Tersor does not run"
                + " (it runs Transformer, Pooling and Normalize)");

        Path outside = miniLmFolder(tmp.resolve("outside"));
        write(outside, "modules.json", MODULES.replace("\"1_Pooling\"", "\"../both/1_Pooling\""));
        folderError(outside, outside + "/modules.json: the Pooling module's path '../both/1_Pooling' leads out of the folder");

        Path twice = miniLmFolder(tmp.resolve("twice"));
        write(twice, "modules.json", MODULES.replace("sentence_transformers.models.Normalize", "sentence_transformers.models.Pooling"));
        folderError(twice, twice + "/modules.json lists two Pooling modules");

        Path broken = miniLmFolder(tmp.resolve("broken"));
        write(broken, "config.json", "{\"hidden_size\": 384,");
        folderError(broken, broken + "/config.json: the file is not valid JSON");

        Path typed = miniLmFolder(tmp.resolve("typed"));
        write(typed, "config.json", "{\"hidden_size\": \"384\"}");
        folderError(typed, typed + "/config.json: hidden_size must be an integer");
    }

    /** {@code folder} fails to read with an {@link InvalidModelFolderException} whose one line starts with {@code message}. */
    private static void folderError(Path folder, String message) {
        oneLine(assertThatThrownBy(() -> HuggingFaceFolder.read(folder)).isInstanceOf(InvalidModelFolderException.class),
                message.replace(folder.toString(), folder.toAbsolutePath().normalize().toString()));
    }

    private static void oneLine(org.assertj.core.api.AbstractThrowableAssert<?, ?> thrown, String start) {
        thrown.message().startsWith(start).doesNotContain("\n");
    }
}
