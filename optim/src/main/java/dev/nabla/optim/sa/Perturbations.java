package dev.nabla.optim.sa;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.List;
import java.util.function.Supplier;

/** What {@link KieferWolfowitz} and {@link SPSA} share: parameter checks and loss evaluation. */
final class Perturbations {
  private Perturbations() {}

  static List<Tensor> checkParams(String who, List<Tensor> params) {
    Checks.argument(params != null && !params.isEmpty(), "%s: got an empty parameter list", who);
    for (int i = 0; i < params.size(); i++) {
      Tensor p = params.get(i);
      Checks.argument(p != null, "%s: parameter %s is null", who, i);
      Checks.argument(p.dtype().isFloatingPoint(), "%s: parameter %s must be floating point, got %s", who, i, p.dtype());
      Checks.argument(p.isContiguous(), "%s: parameter %s must be contiguous (it is updated in place)", who, i);
    }
    return List.copyOf(params);
  }

  static double evaluate(String who, Supplier<Tensor> loss) {
    Tensor y = loss.get();
    Checks.argument(y != null, "%s: the loss supplier returned null", who);
    Checks.argument(y.numel() == 1, "%s: the loss must have one element, got shape %s", who, y.shape());
    double v = y.item();
    Checks.argument(Double.isFinite(v), "%s: the loss is not finite (%s)", who, v);
    return v;
  }

  /** {@code values} as a tensor of {@code like}'s shape and dtype (0-d included). */
  static Tensor shaped(double[] values, Tensor like) {
    Tensor t = like.dim() == 0 ? Tensor.scalar(values[0]) : Tensor.of(values, like.shape().toArray());
    return t.to(like.dtype());
  }
}
