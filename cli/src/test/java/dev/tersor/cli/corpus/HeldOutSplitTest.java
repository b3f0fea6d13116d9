package dev.tersor.cli.corpus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The split every built-in corpus shares: by a hash of the sentence, so disjoint and stable. */
class HeldOutSplitTest {

    private static final List<String> SENTENCES = IntStream.range(0, 20_000).mapToObj(i -> "sentence number " + i).toList();

    /**
     * A real corpus split by {@link HeldOutSplit}: the evaluation share has its fixed size, the
     * calibration share most of the rest, and no sentence is in both.
     */
    static void assertDisjointShares(List<String> all, List<String> evaluation, List<String> calibration) {
        assertThat(evaluation).hasSize(HeldOutSplit.EVALUATION_SIZE).allMatch(HeldOutSplit::isEvaluation);
        assertThat(calibration).hasSizeGreaterThan(all.size() / 2).noneMatch(HeldOutSplit::isEvaluation);
        Set<String> both = new HashSet<>(evaluation);
        both.retainAll(calibration);
        assertThat(both).as("no sentence is both evaluated and calibrated on").isEmpty();
    }

    @Test
    void aQuarterIsEvaluatedAndTheSharesAreDisjoint() {
        long evaluated = SENTENCES.stream().filter(HeldOutSplit::isEvaluation).count();
        assertThat(evaluated).isBetween(4_600L, 5_400L);
        List<String> evaluation = HeldOutSplit.evaluationInOrder(SENTENCES, Integer.MAX_VALUE);
        List<String> calibration = HeldOutSplit.calibration(SENTENCES, Integer.MAX_VALUE);
        assertThat(evaluation.size() + calibration.size()).isEqualTo(SENTENCES.size());
        Set<String> both = new HashSet<>(evaluation);
        both.retainAll(calibration);
        assertThat(both).isEmpty();
    }

    @Test
    void hashOrderIsCappedStableUnderReorderingAndGrowthAndPrefixClosed() {
        List<String> evaluation = HeldOutSplit.evaluationInHashOrder(SENTENCES, Integer.MAX_VALUE);
        assertThat(evaluation).hasSize(HeldOutSplit.EVALUATION_SIZE).allMatch(HeldOutSplit::isEvaluation)
                .isSortedAccordingTo(Comparator.comparingLong(HeldOutSplit::hash));
        assertThat(HeldOutSplit.evaluationInHashOrder(SENTENCES, 50)).isEqualTo(evaluation.subList(0, 50));
        List<String> reversed = new ArrayList<>(SENTENCES).reversed();
        assertThat(HeldOutSplit.evaluationInHashOrder(reversed, Integer.MAX_VALUE)).isEqualTo(evaluation);
        // a source that grows keeps each sentence's share; the sample changes only where new sentences sort in
        List<String> grown = new ArrayList<>(SENTENCES);
        IntStream.range(0, 2_000).mapToObj(i -> "another sentence " + i).forEach(grown::add);
        List<String> after = HeldOutSplit.evaluationInHashOrder(grown, Integer.MAX_VALUE);
        assertThat(after.stream().filter(SENTENCES::contains).toList())
                .isEqualTo(evaluation.subList(0, after.stream().filter(SENTENCES::contains).toList().size()));
    }

    @Test
    void aSmallCalibrationSetIsSpreadOverTheShare() {
        List<String> share = HeldOutSplit.calibration(SENTENCES, Integer.MAX_VALUE);
        assertThat(HeldOutSplit.calibration(SENTENCES, 4)).containsExactly(share.get(0), share.get(share.size() / 4),
                share.get(share.size() / 2), share.get(3 * share.size() / 4));
        assertThat(HeldOutSplit.calibration(SENTENCES, 0)).isEmpty();
        assertThatThrownBy(() -> HeldOutSplit.calibration(SENTENCES, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HeldOutSplit.evaluationInHashOrder(SENTENCES, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
