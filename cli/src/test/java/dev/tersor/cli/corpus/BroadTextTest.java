package dev.tersor.cli.corpus;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The broad evaluation text: English sentences of the proceedings, split once into disjoint shares. */
class BroadTextTest {

    @Test
    void keepsEnglishSentencesOnly() {
        assertThat(BroadText.isEnglish("The Commission is aware of the concerns expressed by public authorities.")).isTrue();
        assertThat(BroadText.isEnglish("Sarah Ludford has stated that she agrees with that.")).isTrue();
        assertThat(BroadText.isEnglish("La direttiva in esame sulle pari opportunità tra uomo e donna è in fase di elaborazione."))
                .isFalse();
        assertThat(BroadText.isEnglish("Detta är, givetvis, en komplicerad fråga om kommissionen.")).isFalse();
        assertThat(BroadText.isEnglish("Thank you very much.")).as("fewer than five words").isFalse();
        assertThat(BroadText.isEnglish("Η Επιτροπή είναι ενήμερη για τις ανησυχίες of the and to in.")).isFalse();
        assertThat(BroadText.isEnglish("The vote will take place at noon \uFFFD today.")).as("undecodable bytes").isFalse();
    }

    @Test
    void evaluationAndCalibrationAreDisjointBroadAndStable() throws Exception {
        List<String> evaluation = BroadText.evaluation(MavenArtifacts.cacheDir(), Integer.MAX_VALUE);
        List<String> calibration = BroadText.calibration(MavenArtifacts.cacheDir(), Integer.MAX_VALUE);
        assertThat(evaluation).hasSizeBetween(1500, 2500).doesNotHaveDuplicates();
        assertThat(calibration).hasSizeBetween(5000, 7500).doesNotHaveDuplicates();
        Set<String> overlap = new HashSet<>(evaluation);
        overlap.retainAll(calibration);
        assertThat(overlap).as("no sentence is both evaluated and calibrated on").isEmpty();
        assertThat(evaluation).allMatch(BroadText::isEvaluation).allMatch(BroadText::isEnglish);
        assertThat(calibration).noneMatch(BroadText::isEvaluation);
        // broad: thousands of distinct words, where raw_sentences.txt has 251
        Set<String> words = new HashSet<>();
        for (String sentence : evaluation) {
            for (String word : sentence.toLowerCase(Locale.ROOT).split("[^a-z']+")) {
                if (!word.isEmpty()) {
                    words.add(word);
                }
            }
        }
        assertThat(words.size()).isGreaterThan(4000);
        assertThat(BroadText.evaluation(MavenArtifacts.cacheDir(), 10)).isEqualTo(evaluation.subList(0, 10));
        // a small calibration set spans the whole share, in order
        List<String> spread = BroadText.calibration(MavenArtifacts.cacheDir(), 4);
        assertThat(spread).containsExactly(calibration.get(0), calibration.get(calibration.size() / 4),
                calibration.get(calibration.size() / 2), calibration.get(3 * calibration.size() / 4));
    }
}
