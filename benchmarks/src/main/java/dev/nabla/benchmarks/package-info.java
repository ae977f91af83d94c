/**
 * JMH micro-benchmarks and the workload runner described in BENCHMARKS.md (arrives with the kernels issue).
 */
package dev.nabla.benchmarks;
