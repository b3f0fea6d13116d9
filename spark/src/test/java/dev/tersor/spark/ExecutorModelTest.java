package dev.tersor.spark;

import dev.tersor.embed.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the driver refuses before it ships anything: every check here runs before the session is used. */
class ExecutorModelTest {

    static ExecutorModel prepare(String model, String tokenizer) {
        return ExecutorModel.prepare(null, model, tokenizer, true, Pooling.MEAN, true, 32, "fastest");
    }

    @Test
    void aFolderMissingFilesAndAnOnnxFileWithoutTokenizerAreRefusedInWords(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> prepare(dir.toString(), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a folder, which addFile cannot ship to a cluster");
        assertThatThrownBy(() -> prepare(dir.resolve("m.tsr").toString(), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model " + dir.resolve("m.tsr") + " does not exist");
        Path onnx = Files.writeString(dir.resolve("m.onnx"), "not read here");
        assertThatThrownBy(() -> prepare(onnx.toString(), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no tokenizer for " + onnx);
        assertThatThrownBy(() -> prepare(onnx.toString(), dir.resolve("t.json").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tokenizer " + dir.resolve("t.json") + " does not exist");
        assertThatThrownBy(() -> prepare(" ", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no model given");
        assertThatThrownBy(() -> ExecutorModel.prepare(null, onnx.toString(), null, true, Pooling.MEAN, true, 32, "quickest"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stored, fastest or budget:MB");
    }

    @Test
    void aModelReadAtASharedPathIsNotCheckedOnTheDriver() {
        ExecutorModel shared = ExecutorModel.prepare(null, "/mnt/models/m.tsr", "", false, Pooling.CLS, false, 8, "stored");
        assertThat(shared.shipped()).isFalse();
        assertThat(shared.model()).isEqualTo("/mnt/models/m.tsr");
        assertThat(shared.tokenizer()).isNull();
        assertThat(shared.modelFile()).isEqualTo(Path.of("/mnt/models/m.tsr"));
    }

    @Test
    void onlyPathsWithASchemeOtherThanFileAreRemote() {
        assertThat(ExecutorModel.isRemote("hdfs://namenode/models/m.tsr")).isTrue();
        assertThat(ExecutorModel.isRemote("s3a://bucket/m.tsr")).isTrue();
        assertThat(ExecutorModel.isRemote("file:///models/m.tsr")).isFalse();
        assertThat(ExecutorModel.isRemote("/models/m.tsr")).isFalse();
        assertThat(ExecutorModel.isRemote("models/m.tsr")).isFalse();
    }
}
