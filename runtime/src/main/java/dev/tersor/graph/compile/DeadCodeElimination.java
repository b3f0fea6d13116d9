package dev.tersor.graph.compile;

import dev.tersor.graph.Node;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Drops nodes, constants and weights that no graph output depends on; dropped weights are closed. */
final class DeadCodeElimination {

    private DeadCodeElimination() {
    }

    static void run(MutableGraph graph) {
        graph.compact();
        Set<String> live = new HashSet<>(graph.outputs);
        Set<String> liveWeights = new HashSet<>();
        List<Node> kept = new ArrayList<>();
        for (int i = graph.nodes.size() - 1; i >= 0; i--) {
            Node node = graph.nodes.get(i);
            if (node.outputs().stream().noneMatch(live::contains)) {
                continue;
            }
            kept.add(node);
            live.addAll(node.inputs());
            String weight = node.attributes().getString("weight", null);
            if (weight != null) {
                liveWeights.add(weight);
            }
        }
        Collections.reverse(kept);
        graph.nodes.clear();
        graph.nodes.addAll(kept);
        graph.constants.keySet().retainAll(live);
        // weights are still plain here, so a dead one is simply never encoded
        graph.weights.keySet().retainAll(liveWeights);
    }
}
