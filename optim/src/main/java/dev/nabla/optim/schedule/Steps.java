package dev.nabla.optim.schedule;

/** The step check shared by the schedules. */
final class Steps {
  private Steps() {}

  /** Throws unless {@code step ≥ 0}. */
  static void check(String schedule, int step) {
    if (step < 0) {
      throw new IllegalArgumentException(schedule + ": step must be >= 0, got " + step);
    }
  }
}
