package dev.nabla.core.autograd;

/**
 * Whether ops record the autograd graph on the current thread. On by default.
 *
 * <pre>{@code
 * try (var off = GradMode.disabled()) {
 *   Tensor y = model.forward(x);   // no graph, no saved tensors
 * }
 * }</pre>
 */
public final class GradMode {
  private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

  private GradMode() {}

  /** True when ops on this thread record the graph. */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  /** Turns recording off until the returned guard is closed; restores the previous state. */
  public static Guard disabled() {
    return set(false);
  }

  /** Turns recording on until the returned guard is closed; restores the previous state. */
  public static Guard enabled() {
    return set(true);
  }

  private static Guard set(boolean on) {
    boolean[] state = ENABLED.get();
    boolean previous = state[0];
    state[0] = on;
    return new Guard(state, previous);
  }

  /** Restores the previous grad mode when closed. */
  public static final class Guard implements AutoCloseable {
    private final boolean[] state;
    private final boolean previous;
    private boolean closed;

    private Guard(boolean[] state, boolean previous) {
      this.state = state;
      this.previous = previous;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        state[0] = previous;
      }
    }
  }
}
