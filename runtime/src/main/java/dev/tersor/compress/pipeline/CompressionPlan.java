package dev.tersor.compress.pipeline;

import dev.tersor.format.Objective;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Per-layer settings: a default, and pins that override it for layers whose name matches a regular
 * expression (first matching pin wins). A layer's name is that of the node using the weight (e.g.
 * {@code /encoder/layer.0/attention/self/value/MatMul}) followed by a space and the weight's own
 * name, so patterns can match either. Immutable.
 *
 * @param defaults      settings of layers no pin matches
 * @param pins          pattern → settings, in priority order
 * @param objective     what {@code auto} formats minimize
 * @param globalPruning if positive, prune this fraction of all compressed weights' entries with one
 *                      magnitude threshold instead of each layer's own sparsity
 */
public record CompressionPlan(LayerSettings defaults, List<Pin> pins, Objective objective, double globalPruning) {

    /** Settings for layers whose name {@link Pattern#matcher finds} {@code pattern}. */
    public record Pin(Pattern pattern, LayerSettings settings) {
        public Pin {
            Objects.requireNonNull(pattern, "pattern");
            Objects.requireNonNull(settings, "settings");
        }

        public static Pin of(String regex, LayerSettings settings) {
            return new Pin(Pattern.compile(regex), settings);
        }
    }

    public CompressionPlan {
        Objects.requireNonNull(defaults, "defaults");
        Objects.requireNonNull(objective, "objective");
        pins = List.copyOf(pins);
        if (!(globalPruning >= 0 && globalPruning < 1)) {
            throw new IllegalArgumentException("global pruning must be in [0, 1), got " + globalPruning);
        }
    }

    public static CompressionPlan of(LayerSettings defaults) {
        return new CompressionPlan(defaults, List.of(), Objective.SIZE, 0);
    }

    public LayerSettings settingsFor(String layerName) {
        for (Pin pin : pins) {
            if (pin.pattern().matcher(layerName).find()) {
                return pin.settings();
            }
        }
        return defaults;
    }

    /** This plan with {@code pin} taking priority over the existing pins. */
    public CompressionPlan pinFirst(Pin pin) {
        List<Pin> all = new ArrayList<>();
        all.add(pin);
        all.addAll(pins);
        return new CompressionPlan(defaults, all, objective, globalPruning);
    }

    /** This plan with every relative uniform step, the defaults' and the pins', times {@code factor}. */
    public CompressionPlan withStepsScaled(double factor) {
        List<Pin> scaled = new ArrayList<>();
        for (Pin pin : pins) {
            scaled.add(new Pin(pin.pattern(), stepsScaled(pin.settings(), factor)));
        }
        return new CompressionPlan(stepsScaled(defaults, factor), scaled, objective, globalPruning);
    }

    private static LayerSettings stepsScaled(LayerSettings settings, double factor) {
        return settings.quant() == null ? settings : settings.withQuant(settings.quant().withStepScaled(factor));
    }

    public CompressionPlan withObjective(Objective o) {
        return new CompressionPlan(defaults, pins, o, globalPruning);
    }

    public CompressionPlan withDefaults(LayerSettings d) {
        return new CompressionPlan(d, pins, objective, globalPruning);
    }

    public CompressionPlan withGlobalPruning(double p) {
        return new CompressionPlan(defaults, pins, objective, p);
    }
}
