package dev.nabla.optim;

import dev.nabla.core.Tensor;
import dev.nabla.optim.Optimizer.ParamState;
import java.util.Set;

/** The update shared by {@link Adam} (L2 decay on the gradient) and {@link AdamW} (decoupled). */
final class AdamUpdate {
  static final Set<String> OPTIONS =
      Set.of("lr", "beta1", "beta2", "eps", "weightDecay", "amsgrad", "maximize");

  private AdamUpdate() {}

  static void check(String optimizer, ParamGroup group, int index) {
    var c = new OptionChecks(optimizer, group, index, OPTIONS);
    c.nonNegative("lr", "learning rate (lr)");
    c.nonNegative("eps", "epsilon value (eps)");
    c.unitInterval("beta1", "beta parameter at index 0 (beta1)");
    c.unitInterval("beta2", "beta parameter at index 1 (beta2)");
    c.nonNegative("weightDecay", "weightDecay");
    c.flag("amsgrad");
    c.flag("maximize");
  }

  static void update(ParamGroup group, ParamState state, Tensor param, Tensor grad,
      boolean decoupled) {
    double lr = group.lr();
    double beta1 = group.get("beta1");
    double beta2 = group.get("beta2");
    double eps = group.get("eps");
    double weightDecay = group.get("weightDecay");
    boolean amsgrad = group.flag("amsgrad");
    double sign = group.flag("maximize") ? -1 : 1;

    long step = state.incrementStep();
    double biasCorrection1 = 1 - Math.pow(beta1, step);
    double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
    double stepSize = lr / biasCorrection1;
    double decay = 1 - lr * weightDecay;   // AdamW: θ ← θ(1 − γλ) before the Adam step

    Tensor expAvg = state.buffer("exp_avg", 0.0);
    Tensor expAvgSq = state.buffer("exp_avg_sq", 0.0);
    Tensor[] buffers = amsgrad
        ? new Tensor[] {expAvg, expAvgSq, state.buffer("max_exp_avg_sq", 0.0)}
        : new Tensor[] {expAvg, expAvgSq};
    float beta1F = (float) beta1;
    float beta2F = (float) beta2;
    float keep1F = (float) (1 - beta1);
    float keep2F = (float) (1 - beta2);
    float epsF = (float) eps;
    float weightDecayF = (float) weightDecay;
    float stepSizeF = (float) stepSize;
    float bc2SqrtF = (float) biasCorrection2Sqrt;
    float decayF = (float) decay;
    float signF = (float) sign;
    Optimizer.updateElements(param, grad, buffers, (start, end, p, g, s) -> {
      float[] m = s[0];
      float[] v = s[1];
      float[] vMax = amsgrad ? s[2] : null;
      for (int j = start; j < end; j++) {
        float gj = signF * g[j];
        float pj = p[j];
        if (decoupled) {
          pj *= decayF;
        } else if (weightDecay != 0) {
          gj += weightDecayF * pj;
        }
        float mj = beta1F * m[j] + keep1F * gj;
        float vj = beta2F * v[j] + keep2F * gj * gj;
        m[j] = mj;
        v[j] = vj;
        if (amsgrad) {
          vj = Math.max(vMax[j], vj);
          vMax[j] = vj;
        }
        p[j] = pj - stepSizeF * (mj / ((float) Math.sqrt(vj) / bc2SqrtF + epsF));
      }
    }, (start, end, p, g, s) -> {
      double[] m = s[0];
      double[] v = s[1];
      double[] vMax = amsgrad ? s[2] : null;
      for (int j = start; j < end; j++) {
        double gj = sign * g[j];
        double pj = p[j];
        if (decoupled) {
          pj *= decay;
        } else if (weightDecay != 0) {
          gj += weightDecay * pj;
        }
        double mj = beta1 * m[j] + (1 - beta1) * gj;
        double vj = beta2 * v[j] + (1 - beta2) * gj * gj;
        m[j] = mj;
        v[j] = vj;
        if (amsgrad) {
          vj = Math.max(vMax[j], vj);
          vMax[j] = vj;
        }
        p[j] = pj - stepSize * (mj / (Math.sqrt(vj) / biasCorrection2Sqrt + eps));
      }
    });
  }
}
