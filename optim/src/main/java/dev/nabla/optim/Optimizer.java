package dev.nabla.optim;

import dev.nabla.core.Tensor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of all optimizers: parameter groups whose options default to the optimizer's, and the
 * {@code zeroGrad(); loss.backward(); step();} cycle.
 */
public abstract class Optimizer {
  private final List<ParamGroup> groups;

  /**
   * @param groups the parameter groups (a parameter may appear in only one)
   * @param defaults option values used where a group sets none
   */
  protected Optimizer(List<ParamGroup> groups, Map<String, Double> defaults) {
    if (groups.isEmpty()) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": got an empty parameter list");
    }
    Map<Tensor, Integer> seen = new IdentityHashMap<>();
    for (int g = 0; g < groups.size(); g++) {
      for (Tensor p : groups.get(g).params()) {
        Integer before = seen.put(p, g);
        if (before != null) {
          throw new IllegalArgumentException(getClass().getSimpleName()
              + ": some parameters appear in more than one parameter group (groups " + before
              + " and " + g + ")");
        }
      }
      for (var e : defaults.entrySet()) {
        if (!groups.get(g).has(e.getKey())) {
          groups.get(g).set(e.getKey(), e.getValue());
        }
      }
    }
    this.groups = List.copyOf(groups);
  }

  /** The parameter groups, in order (schedules change their {@code lr}). */
  public List<ParamGroup> paramGroups() {
    return groups;
  }

  /** Clears the gradient of every parameter (sets it to null). */
  public void zeroGrad() {
    for (ParamGroup g : groups) {
      for (Tensor p : g.params()) {
        p.zeroGrad();
      }
    }
  }

  /** Updates every parameter that has a gradient; parameters without one are skipped. */
  public abstract void step();
}
