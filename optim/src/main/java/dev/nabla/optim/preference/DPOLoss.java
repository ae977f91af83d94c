package dev.nabla.optim.preference;

import dev.nabla.core.Checks;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.Objects;

/**
 * Direct Preference Optimization and its relatives: losses on how much more the policy π than
 * the frozen reference prefers the chosen response y_w to the rejected one y_l.
 *
 * <p>With per-example log-probabilities (usually summed over response tokens, see
 * {@link SequenceLogProbs}) the log-ratio difference is
 * <pre>
 *   h = (log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))
 * </pre>
 * and the variants are, per example, then averaged over the batch:
 * <ul>
 *   <li>{@link Variant#SIGMOID} — DPO: −log σ(βh). Rafailov et al. 2023, "Direct Preference
 *       Optimization: Your Language Model is Secretly a Reward Model", arXiv:2305.18290.</li>
 *   <li>{@link Variant#CONSERVATIVE} — conservative DPO (cDPO, label smoothing ε, the assumed
 *       probability that a label is flipped): −(1−ε)·log σ(βh) − ε·log σ(−βh). Mitchell 2023,
 *       "A note on DPO with noisy preferences &amp; relationship to IPO". ε ∈ [0, 0.5); ε = 0
 *       is DPO.</li>
 *   <li>{@link Variant#IPO} — Identity Preference Optimisation: (h − 1/(2β))², β playing the
 *       role of the paper's regularisation τ. Azar et al. 2023, "A General Theoretical Paradigm
 *       to Understand Learning from Human Preferences", arXiv:2310.12036, eq. 17 (as in TRL's
 *       {@code loss_type="ipo"}). TRL feeds IPO per-token mean log-probs
 *       ({@link SequenceLogProbs#mean()}) rather than sums.</li>
 *   <li>{@link Variant#HINGE} — max(0, 1 − βh), the hinge on the log-likelihood ratio of SLiC
 *       (Zhao et al. 2023, "SLiC-HF", arXiv:2305.10425) with reference normalisation.</li>
 * </ul>
 * log σ is computed stably (min(x, 0) − log1p(exp(−|x|))), so |βh| in the hundreds is fine.
 *
 * <p>The loss is differentiable with respect to the policy log-probabilities; the reference
 * log-probabilities are constants (detached here). The metrics follow DPO's implicit reward
 * r = β·(log π − log π_ref) and are detached.
 *
 * <p>Shapes: four [B] tensors (B ≥ 1, floating point) → loss [] (scalar), losses [B], rewards
 * [B].
 *
 * <pre>{@code
 * DPOLoss dpo = DPOLoss.sigmoid(0.1);
 * DPOLoss.Output out = dpo.compute(policy, reference.lookup(exampleIds));  // ChosenRejected each
 * out.loss().backward();
 * log.info("loss {} acc {} margin {}", out.loss().item(), out.rewardAccuracy(), out.marginMean());
 * }</pre>
 *
 * @param variant which loss
 * @param beta β &gt; 0: the strength of the KL-style pull to the reference (IPO: τ)
 * @param labelSmoothing ε ∈ [0, 0.5) for {@link Variant#CONSERVATIVE}; 0 for the others
 */
public record DPOLoss(Variant variant, double beta, double labelSmoothing) {

  /** The member of the DPO family. */
  public enum Variant {
    /** −log σ(βh): standard DPO. */
    SIGMOID,
    /** −(1−ε)·log σ(βh) − ε·log σ(−βh): conservative (label-smoothed) DPO. */
    CONSERVATIVE,
    /** (h − 1/(2β))²: IPO. */
    IPO,
    /** max(0, 1 − βh): hinge (SLiC-style). */
    HINGE
  }

  /** Validates β and ε. */
  public DPOLoss {
    Objects.requireNonNull(variant, "DPOLoss: variant is null");
    Checks.argument(beta > 0 && Double.isFinite(beta),
        "DPOLoss: beta must be a finite number > 0, got %s", beta);
    if (variant == Variant.CONSERVATIVE) {
      Checks.argument(labelSmoothing >= 0 && labelSmoothing < 0.5,
          "DPOLoss: labelSmoothing must be in [0, 0.5), got %s (at 0.5 every label is a coin"
              + " flip and the loss has no preference to learn)", labelSmoothing);
    } else {
      Checks.argument(labelSmoothing == 0,
          "DPOLoss: labelSmoothing applies to the CONSERVATIVE variant only, got %s for %s",
          labelSmoothing, variant);
    }
  }

  /** Standard DPO, −log σ(βh). */
  public static DPOLoss sigmoid(double beta) {
    return new DPOLoss(Variant.SIGMOID, beta, 0);
  }

  /** Conservative DPO with label smoothing ε ∈ [0, 0.5). */
  public static DPOLoss conservative(double beta, double labelSmoothing) {
    return new DPOLoss(Variant.CONSERVATIVE, beta, labelSmoothing);
  }

  /** IPO, (h − 1/(2β))². */
  public static DPOLoss ipo(double beta) {
    return new DPOLoss(Variant.IPO, beta, 0);
  }

  /** Hinge, max(0, 1 − βh). */
  public static DPOLoss hinge(double beta) {
    return new DPOLoss(Variant.HINGE, beta, 0);
  }

  /**
   * The loss and its metrics.
   *
   * @param loss mean of {@code losses}, a scalar, differentiable w.r.t. the policy log-probs
   * @param losses the per-example loss, [B], differentiable
   * @param chosenRewards β·(log π(y_w) − log π_ref(y_w)), [B], detached
   * @param rejectedRewards β·(log π(y_l) − log π_ref(y_l)), [B], detached
   * @param rewardMargins chosenRewards − rejectedRewards, [B], detached
   * @param rewardAccuracy fraction of pairs whose chosen reward exceeds the rejected one
   */
  public record Output(Tensor loss, Tensor losses, Tensor chosenRewards, Tensor rejectedRewards,
      Tensor rewardMargins, double rewardAccuracy) {

    /** Batch mean of the chosen rewards. */
    public double chosenRewardMean() {
      return chosenRewards.mean().item();
    }

    /** Batch mean of the rejected rewards. */
    public double rejectedRewardMean() {
      return rejectedRewards.mean().item();
    }

    /** Batch mean of the reward margins. */
    public double marginMean() {
      return rewardMargins.mean().item();
    }
  }

  /** The loss of policy log-probs against reference log-probs, pair by pair. */
  public Output compute(ChosenRejected policy, ChosenRejected reference) {
    Objects.requireNonNull(policy, "DPOLoss: policy is null");
    Objects.requireNonNull(reference, "DPOLoss: reference is null");
    return compute(policy.chosen(), policy.rejected(), reference.chosen(), reference.rejected());
  }

  /**
   * The loss from the four per-example log-probabilities, each [B].
   *
   * @param policyChosen log π(y_w | x), requires grad when training
   * @param policyRejected log π(y_l | x)
   * @param referenceChosen log π_ref(y_w | x), treated as a constant
   * @param referenceRejected log π_ref(y_l | x), treated as a constant
   */
  public Output compute(Tensor policyChosen, Tensor policyRejected, Tensor referenceChosen,
      Tensor referenceRejected) {
    check(policyChosen, policyRejected, referenceChosen, referenceRejected);
    Tensor chosenLogRatio = policyChosen.sub(referenceChosen.detach());       // [B]
    Tensor rejectedLogRatio = policyRejected.sub(referenceRejected.detach()); // [B]
    Tensor h = chosenLogRatio.sub(rejectedLogRatio);
    Tensor losses = switch (variant) {
      case SIGMOID -> LogSigmoid.logSigmoid(h.mul(beta)).neg();
      case CONSERVATIVE -> {
        Tensor z = h.mul(beta);
        yield LogSigmoid.logSigmoid(z).mul(-(1 - labelSmoothing))
            .sub(LogSigmoid.logSigmoid(z.neg()).mul(labelSmoothing));
      }
      case IPO -> h.sub(1 / (2 * beta)).square();
      case HINGE -> h.mul(beta).rsub(1.0).relu();
    };
    Tensor loss = losses.mean();
    try (var off = GradMode.disabled()) {
      Tensor chosen = chosenLogRatio.detach().mul(beta);
      Tensor rejected = rejectedLogRatio.detach().mul(beta);
      Tensor margins = chosen.sub(rejected);
      boolean[] wins = chosen.gt(rejected).toBooleanArray();
      int count = 0;
      for (boolean w : wins) {
        count += w ? 1 : 0;
      }
      return new Output(loss, losses, chosen, rejected, margins, (double) count / wins.length);
    }
  }

  private static void check(Tensor pc, Tensor pr, Tensor rc, Tensor rr) {
    String[] names = {"policyChosen", "policyRejected", "referenceChosen", "referenceRejected"};
    Tensor[] all = {pc, pr, rc, rr};
    for (int i = 0; i < all.length; i++) {
      Objects.requireNonNull(all[i], "DPOLoss: " + names[i] + " is null");
      if (!all[i].dtype().isFloatingPoint()) {
        throw new IllegalArgumentException(
            "DPOLoss: " + names[i] + " must be floating point, got " + all[i].dtype());
      }
    }
    boolean ok = pc.dim() == 1 && pc.size(0) > 0;
    for (Tensor t : all) {
      ok &= t.shape().equals(pc.shape());
    }
    if (!ok) {
      throw new ShapeMismatchException("DPOLoss: policyChosen, policyRejected, referenceChosen"
          + " and referenceRejected must all be [B] with B ≥ 1, got " + pc.shape() + ", "
          + pr.shape() + ", " + rc.shape() + " and " + rr.shape());
    }
  }
}
