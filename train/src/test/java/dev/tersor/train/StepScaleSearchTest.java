package dev.tersor.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepScaleSearchTest {

    private static StepScaleSearch.Fit<Double> search(DoubleUnaryOperator bytes, long budget, double first, List<Double> tried) {
        return StepScaleSearch.search(scale -> {
            tried.add(scale);
            return scale;
        }, scale -> Math.round(bytes.applyAsDouble(scale)), budget, first, 0.01, 8, (scale, size, limit) -> { });
    }

    @Test
    void landsJustUnderTheBudgetOnSizesLinearOrNotInTheLogarithmOfTheStep() {
        DoubleUnaryOperator[] sizes = {
                s -> 8e6 - 1.2e6 * Math.log(s) / Math.log(2),
                s -> 3e6 + 5e6 / Math.pow(s, 0.7),
                s -> 1e6 + 9e6 * Math.exp(-s) + 1000 * Math.sin(40 * s)};
        for (DoubleUnaryOperator size : sizes) {
            for (long budget : new long[]{5_000_000, 5_600_000, 7_900_000, 9_000_000}) {
                for (double first : new double[]{0.5, 1, 3}) {
                    List<Double> tried = new ArrayList<>();
                    StepScaleSearch.Fit<Double> fit;
                    try {
                        fit = search(size, budget, first, tried);
                    } catch (IllegalArgumentException unreachable) {
                        // only when the budget lies below everything the scales reach
                        assertThat(size.applyAsDouble(StepScaleSearch.MAX_SCALE)).isGreaterThan(budget);
                        continue;
                    }
                    assertThat(fit.bytes()).isLessThanOrEqualTo(budget).isEqualTo(Math.round(size.applyAsDouble(fit.scale())));
                    assertThat(fit.payload()).isEqualTo(fit.scale());
                    assertThat(fit.trials()).isEqualTo(tried.size()).isLessThanOrEqualTo(8);
                    if (size.applyAsDouble(StepScaleSearch.MIN_SCALE) > budget) {
                        assertThat(fit.bytes()).as("budget %d from %s, tried %s", budget, first, tried)
                                .isGreaterThanOrEqualTo((long) (budget * 0.99));
                    }
                }
            }
        }
    }

    @Test
    void aBudgetNoScaleReachesIsAClearError() {
        assertThatThrownBy(() -> search(s -> 5e6 + 1e6 / s, 4_000_000, 1, new ArrayList<>()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no step scale up to 64.0 fits 4000000 bytes");
        assertThatThrownBy(() -> search(s -> 1, 0, 1, new ArrayList<>())).isInstanceOf(IllegalArgumentException.class);
    }
}
