/**
 * Learning-rate schedules as pure functions of the step ({@link dev.nabla.optim.schedule.LrSchedule})
 * with PyTorch 1.13's values, composable ({@link dev.nabla.optim.schedule.Warmup#then},
 * {@link dev.nabla.optim.schedule.SequentialLR}), and the {@link dev.nabla.optim.schedule.Scheduler}
 * that applies them to an optimizer's parameter groups.
 *
 * @see dev.nabla.optim.Optimizer
 */
package dev.nabla.optim.schedule;
