package dev.nabla.core.data;

import dev.nabla.core.Checks;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;

/**
 * Samples that are rows of tensors sharing their first dimension, as PyTorch's
 * {@code TensorDataset}: sample i is {@code {t0[i], t1[i], …}} (views, not copies). The default
 * {@link Collate#stack()} turns a batch of them back into {@code {t0[idx], t1[idx], …}}.
 *
 * <pre>{@code
 * var data = new TensorDataset(x, y);            // x [N, 784] F32, y [N] I64
 * Tensor[] first = data.get(0);                  // {x[0] [784], y[0] []}
 * }</pre>
 */
public final class TensorDataset implements Dataset<Tensor[]> {
  private final Tensor[] tensors;
  private final int size;

  /** At least one tensor of rank ≥ 1; all with the same size in dimension 0. */
  public TensorDataset(Tensor... tensors) {
    Checks.argument(tensors.length > 0, "TensorDataset: expected at least one tensor");
    for (int i = 0; i < tensors.length; i++) {
      Checks.argument(tensors[i] != null, "TensorDataset: tensor %s is null", i);
      Checks.argument(tensors[i].dim() > 0,
          "TensorDataset: tensor %s is a scalar; samples are rows along dimension 0", i);
      if (tensors[i].size(0) != tensors[0].size(0)) {
        throw new ShapeMismatchException("TensorDataset: all tensors must have the same size in"
            + " dimension 0, got " + tensors[0].shape() + " at 0 and " + tensors[i].shape()
            + " at " + i);
      }
    }
    this.tensors = tensors.clone();
    this.size = tensors[0].size(0);
  }

  @Override public int size() {
    return size;
  }

  @Override public Tensor[] get(int index) {
    Checks.argument(index >= 0 && index < size,
        "TensorDataset: index %s is out of range for %s samples", index, size);
    Tensor[] row = new Tensor[tensors.length];
    for (int i = 0; i < tensors.length; i++) {
      row[i] = tensors[i].select(0, index);
    }
    return row;
  }

  /** The number of tensors per sample. */
  public int width() {
    return tensors.length;
  }
}
