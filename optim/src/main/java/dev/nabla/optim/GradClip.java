package dev.nabla.optim;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleConsumer;

/**
 * Gradient clipping, as PyTorch 1.13's {@code torch.nn.utils.clip_grad_norm_} and
 * {@code clip_grad_value_}: call between {@code loss.backward()} and {@code optimizer.step()}.
 *
 * <pre>{@code
 * loss.backward();
 * double norm = GradClip.clipGradNorm(params, 1.0);   // total L2 norm before clipping
 * opt.step();
 * }</pre>
 *
 * Parameters whose gradient is null are skipped. Norms are accumulated in double precision.
 */
public final class GradClip {
  private GradClip() {}

  /** {@link #clipGradNorm(Iterable, double, double, boolean)} with the L2 norm. */
  public static double clipGradNorm(Iterable<? extends Tensor> params, double maxNorm) {
    return clipGradNorm(params, maxNorm, 2.0, false);
  }

  /** {@link #clipGradNorm(Iterable, double, double, boolean)} without the non-finite check. */
  public static double clipGradNorm(Iterable<? extends Tensor> params, double maxNorm,
      double normType) {
    return clipGradNorm(params, maxNorm, normType, false);
  }

  /**
   * Scales all gradients together so that their total p-norm, computed as if they were
   * concatenated into one vector, is at most {@code maxNorm}: when the coefficient
   * {@code c = maxNorm / (total + 1e-6)} is below 1 every gradient is multiplied by it in place.
   *
   * <p>Non-finite norms: with {@code errorIfNonfinite} false (PyTorch 1.13's default) a NaN or
   * infinite total is returned and the gradients are multiplied by the resulting coefficient
   * (NaN, or 0 for an infinite norm, which turns infinite entries into NaN), as PyTorch does;
   * with true an {@link IllegalStateException} is thrown and nothing is changed.
   *
   * @param normType p in (0, ∞]: 2 (default), 1, any positive p, or
   *     {@link Double#POSITIVE_INFINITY} for the max norm
   * @return the total norm of the gradients before clipping (0 when no parameter has one)
   */
  public static double clipGradNorm(Iterable<? extends Tensor> params, double maxNorm,
      double normType, boolean errorIfNonfinite) {
    if (!(maxNorm >= 0)) {
      throw new IllegalArgumentException("clipGradNorm: maxNorm must be >= 0, got " + maxNorm);
    }
    if (!(normType > 0)) {
      throw new IllegalArgumentException("clipGradNorm: normType must be a positive number or "
          + "Double.POSITIVE_INFINITY, got " + normType);
    }
    List<Tensor> grads = grads(params);
    if (grads.isEmpty()) {
      return 0.0;
    }
    double total = totalNorm(grads, normType);
    if (errorIfNonfinite && !Double.isFinite(total)) {
      throw new IllegalStateException("clipGradNorm: the total norm of order " + normType
          + " for gradients from params is non-finite (" + total + "), so it cannot be clipped."
          + " To scale the gradients by the non-finite norm anyway, pass errorIfNonfinite = false");
    }
    double coef = maxNorm / (total + 1e-6);
    if (!(coef >= 1.0)) {   // also NaN: PyTorch's clamp(coef, max=1) keeps it
      for (Tensor g : grads) {
        scale(g, coef);
      }
    }
    return total;
  }

  /** Clamps every gradient element to {@code [-clipValue, clipValue]} in place (NaN stays NaN). */
  public static void clipGradValue(Iterable<? extends Tensor> params, double clipValue) {
    if (!(clipValue >= 0)) {
      throw new IllegalArgumentException("clipGradValue: clipValue must be >= 0, got "
          + clipValue);
    }
    for (Tensor g : grads(params)) {
      if (g.dtype() == DType.F32 && g.isContiguous()) {
        float[] a = g.dataF32();
        int off = g.storageOffset();
        float hi = (float) clipValue;
        float lo = -hi;
        for (int i = off, end = off + g.numel(); i < end; i++) {
          a[i] = Math.max(lo, Math.min(hi, a[i]));
        }
      } else {
        try (var off = GradMode.disabled()) {
          g.copyFrom(g.clamp(-clipValue, clipValue));
        }
      }
    }
  }

  private static List<Tensor> grads(Iterable<? extends Tensor> params) {
    List<Tensor> grads = new ArrayList<>();
    for (Tensor p : params) {
      if (p.grad() != null) {
        grads.add(p.grad());
      }
    }
    return grads;
  }

  private static void scale(Tensor g, double coef) {
    if (g.dtype() == DType.F32 && g.isContiguous()) {
      float[] a = g.dataF32();
      for (int i = g.storageOffset(), end = i + g.numel(); i < end; i++) {
        a[i] = (float) (a[i] * coef);
      }
    } else {
      try (var off = GradMode.disabled()) {
        g.mulInPlace(coef);
      }
    }
  }

  /** The p-norm of all elements of {@code grads} together, in double precision. */
  static double totalNorm(List<Tensor> grads, double p) {
    double[] acc = new double[3];   // max |x| (ignoring NaN), Σ|x| or Σx², NaN seen (1)
    for (Tensor g : grads) {
      forEach(g, x -> {
        double ax = Math.abs(x);
        if (Double.isNaN(ax)) {
          acc[2] = 1;
        } else if (ax > acc[0]) {
          acc[0] = ax;
        }
        acc[1] += p == 1 ? ax : ax * ax;
      });
    }
    double maxAbs = acc[0];
    if (acc[2] != 0) {
      return Double.NaN;
    }
    if (p == Double.POSITIVE_INFINITY) {
      return maxAbs;
    }
    if (p == 1) {
      return acc[1];
    }
    if (p == 2) {
      return Math.sqrt(acc[1]);
    }
    if (maxAbs == 0 || Double.isInfinite(maxAbs)) {
      return maxAbs;
    }
    // General p: scale by the largest magnitude so that |x|^p neither overflows nor underflows.
    double[] scaled = new double[1];
    for (Tensor g : grads) {
      forEach(g, x -> scaled[0] += Math.pow(Math.abs(x) / maxAbs, p));
    }
    return maxAbs * Math.pow(scaled[0], 1 / p);
  }

  private static void forEach(Tensor g, DoubleConsumer action) {
    if (g.dtype() == DType.F32 && g.isContiguous()) {
      float[] a = g.dataF32();
      for (int i = g.storageOffset(), end = i + g.numel(); i < end; i++) {
        action.accept(a[i]);
      }
    } else {
      for (double x : g.toDoubleArray()) {
        action.accept(x);
      }
    }
  }
}
