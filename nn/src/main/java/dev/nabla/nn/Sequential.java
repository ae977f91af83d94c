package dev.nabla.nn;

import dev.nabla.core.Tensor;
import java.util.List;

/** Layers applied in order, each to the previous one's output; children are named "0", "1", …. */
public final class Sequential extends Layer {
  private final List<Layer> layers;

  public Sequential(Layer... layers) {
    for (int i = 0; i < layers.length; i++) {
      register(Integer.toString(i), layers[i]);
    }
    this.layers = List.of(layers);
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor h = x;
    for (Layer layer : layers) {
      h = layer.forward(h);
    }
    return h;
  }

  /** The {@code i}-th layer. */
  public Layer get(int i) {
    return layers.get(i);
  }

  public int size() {
    return layers.size();
  }
}
