package dev.tersor.cli.corpus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Debian's fortunes as a corpus: the parser on inline entries, the split on the real packages (fetched with apt). */
class FortunesTest {

    @Test
    void entriesBecomeSentencesWithoutAttributionsPicturesOrOverstriking() {
        String file = """
                The best way to predict the future is to invent it.
                		-- Alan Kay
                %
                A clean desk is a sign of a cluttered drawer.  Nobody believes
                this, but it is true.

                Second paragraph of the same entry here.
                %
                Go west.
                %
                  /\\_/\\
                 ( o.o )
                  > ^ <
                %
                N\bNO\bOT\bTE\bE: the printer is on fire again today.
                %
                Quoth the raven, nevermore and nevermore.
                		-- Edgar Allan Poe,
                		"The Raven", a poem of many verses
                """;
        assertThat(Fortunes.parse(file)).containsExactly(
                "The best way to predict the future is to invent it.",
                "A clean desk is a sign of a cluttered drawer.",
                "Nobody believes this, but it is true.",
                "Second paragraph of the same entry here.",
                "Quoth the raven, nevermore and nevermore.");
    }

    @Test
    void readsFortuneFilesOnlyAndSkipsTheExcludedOnes(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("wisdom"), "Patience is a tree whose root is bitter.\n%\n");
        Files.writeString(dir.resolve("wisdom.dat"), "index");
        Files.writeString(dir.resolve("notes"), "A file without an index beside it is not read.\n");
        Files.writeString(dir.resolve("ethnic"), "An excluded file is never read at all.\n%\n");
        Files.writeString(dir.resolve("ethnic.dat"), "index");
        Files.createSymbolicLink(dir.resolve("wisdom.u8"), dir.resolve("wisdom"));
        Files.writeString(dir.resolve("wisdom.u8.dat"), "index");
        assertThat(Fortunes.sentences(dir)).containsExactly("Patience is a tree whose root is bitter.");
    }

    @Test
    void theSharesOfTheRealPackagesAreDisjointBroadAndStable() throws Exception {
        Path cache = MavenArtifacts.cacheDir();
        List<String> all = Fortunes.sentences(Fortunes.directory(cache));
        assertThat(all).hasSizeGreaterThan(10_000).doesNotHaveDuplicates().allMatch(Fortunes::isProse);
        List<String> evaluation = Fortunes.evaluation(cache, Integer.MAX_VALUE);
        List<String> calibration = Fortunes.calibration(cache, Integer.MAX_VALUE);
        HeldOutSplitTest.assertDisjointShares(all, evaluation, calibration);
        assertThat(all).noneMatch(s -> s.startsWith("--"));
        assertThat(Fortunes.evaluation(cache, 25)).isEqualTo(evaluation.subList(0, 25));
        assertThat(Fortunes.sentences(Fortunes.directory(cache))).isEqualTo(all);
        assertThat(words(evaluation)).isGreaterThan(4000);
    }

    static int words(List<String> sentences) {
        Set<String> words = new HashSet<>();
        for (String sentence : sentences) {
            for (String word : Sentences.words(sentence)) {
                words.add(word.toLowerCase(java.util.Locale.ROOT));
            }
        }
        return words.size();
    }
}
