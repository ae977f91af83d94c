/**
 * JMH micro-benchmarks ({@link dev.nabla.benchmarks.GemmBenchmark},
 * {@link dev.nabla.benchmarks.ElementwiseBenchmark}) and the reference workload runner
 * ({@link dev.nabla.benchmarks.Workloads}) of BENCHMARKS.md; how to run them and the current
 * numbers are in {@code docs/performance.md}.
 *
 * @see dev.nabla.core.internal.kernel.Kernels
 */
package dev.nabla.benchmarks;
