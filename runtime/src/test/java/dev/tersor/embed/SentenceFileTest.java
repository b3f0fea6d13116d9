package dev.tersor.embed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SentenceFileTest {

    @Test
    void readSkipsBlankAndRepeatedLines(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("s.txt");
        Files.writeString(f, "one\n\n two \none\nthree\nfour\n");
        assertThat(SentenceFile.read(f, 3)).containsExactly("one", "two", "three");
        assertThat(SentenceFile.read(f, 100)).containsExactly("one", "two", "three", "four");
    }

    @Test
    void aFileThatIsNotUtf8IsOneClearError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("b.bin");
        Files.write(f, new byte[]{'o', 'k', '\n', (byte) 0xC3, (byte) 0x28, '\n'});
        assertThatThrownBy(() -> SentenceFile.read(f, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(f + " is not UTF-8 text (a corpus holds one sentence a line)");
    }
}
