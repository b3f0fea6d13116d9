package dev.tersor.cli.corpus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The private apt index under the cache: packages unpack whole, and a failure is one line naming the cause. */
class DebianArchiveTest {

    @Test
    void unpacksAPackageAsUnderTheRoot(@TempDir Path dir) throws Exception {
        DebianArchive archive = DebianArchive.in(MavenArtifacts.cacheDir());
        Path target = archive.unpack(List.of("fortunes-min"), dir.resolve("fortunes-min"));
        assertThat(target.resolve("usr/share/games/fortunes/fortunes")).isRegularFile();
        assertThat(target.resolve("usr/share/games/fortunes/fortunes.dat")).isRegularFile();
        assertThat(Files.list(dir)).containsExactly(target);
        // a second call finds it there and fetches nothing
        assertThat(archive.unpack(List.of("no-such-package"), target)).isEqualTo(target);
    }

    @Test
    void aPackageTheArchiveLacksIsOneLineAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        DebianArchive archive = DebianArchive.in(MavenArtifacts.cacheDir());
        assertThatThrownBy(() -> archive.unpack(List.of("tersor-no-such-package"), dir.resolve("none")))
                .isInstanceOf(SourceUnavailableException.class)
                .hasMessageStartingWith("cannot download the Debian packages tersor-no-such-package with apt-get: ")
                .hasMessageContaining("tersor-no-such-package")
                .message().doesNotContain("\n");
        assertThat(Files.list(dir)).isEmpty();
    }

    @Test
    void theTranslationIndexesReadAsText() throws Exception {
        List<Path> indexes = DebianArchive.in(MavenArtifacts.cacheDir()).translationIndexes();
        assertThat(indexes).isNotEmpty().isSorted();
        int[] descriptions = {0};
        DebianArchive.readIndex(indexes.getFirst(), line -> {
            if (line.startsWith("Description-en: ")) {
                descriptions[0]++;
            }
        });
        assertThat(descriptions[0]).isGreaterThan(1000);
    }
}
