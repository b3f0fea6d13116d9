package dev.tersor.compress.pipeline;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.gptq.HessianAccumulator;
import dev.tersor.format.Execution;
import dev.tersor.graph.Graph;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ops.FeatureMajor;
import dev.tersor.model.Model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Input statistics of every Linear layer of a model, H = Σ x·xᵀ over the tokens of calibration
 * sentences, for error-compensating quantization. The model is run once per sentence with the
 * Linear layers' inputs exposed as extra graph outputs, so no hook into the runtime is needed.
 */
public final class Calibration {

    private Calibration() {
    }

    /**
     * @param model     the float model (it stays open and unchanged)
     * @param sentences token ids, one array per sentence
     * @return weight name → statistics of its layer's input
     */
    public static Map<String, HessianAccumulator> hessians(Model model, List<long[]> sentences, ProgressListener progress) {
        Graph graph = model.graph();
        List<Layer> linear = Layer.of(graph).stream().filter(Layer::isLinear).toList();
        Set<String> extra = new LinkedHashSet<>(graph.outputs());
        for (Layer layer : linear) {
            extra.add(layer.input());
        }
        Graph probe = new Graph(graph.inputs(), new ArrayList<>(extra), graph.nodes(), graph.constants(), graph.weights());
        // Shares the source model's weights: never closed, it only lives for this call.
        Model view = Model.of(probe, Execution.defaults());
        Map<String, HessianAccumulator> hessians = new LinkedHashMap<>();
        for (Layer layer : linear) {
            hessians.put(layer.weight(), new HessianAccumulator(graph.weights().get(layer.weight()).cols()));
        }
        progress.progress("calibration", 0, sentences.size());
        int done = 0;
        for (long[] ids : sentences) {
            Map<String, Tensor> out = view.run(ModelInputs.of(model, ids));
            for (Layer layer : linear) {
                Tensor x = out.get(layer.input());
                HessianAccumulator h = hessians.get(layer.weight());
                int tokens = x.size() / h.inputs();
                if (layer.inputTransposed() && tokens > 1) {
                    FeatureMajor.forEachBlock(x.data(), h.inputs(), tokens, h::addBatch);
                } else {
                    h.addTokens(x.toFloatArray(), tokens);
                }
            }
            progress.progress("calibration", ++done, sentences.size());
        }
        return hessians;
    }
}
