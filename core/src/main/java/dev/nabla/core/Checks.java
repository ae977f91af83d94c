package dev.nabla.core;

/** Preconditions that format their message only on failure (Guava style). */
public final class Checks {
  private Checks() {}

  /** Throws {@link IllegalArgumentException} with the formatted message unless {@code ok}. */
  public static void argument(boolean ok, String format, Object... args) {
    if (!ok) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  /** Throws {@link IllegalStateException} with the formatted message unless {@code ok}. */
  public static void state(boolean ok, String format, Object... args) {
    if (!ok) {
      throw new IllegalStateException(String.format(format, args));
    }
  }

  /** Throws {@link ShapeMismatchException} with the formatted message unless {@code ok}. */
  public static void shape(boolean ok, String format, Object... args) {
    if (!ok) {
      throw new ShapeMismatchException(String.format(format, args));
    }
  }
}
