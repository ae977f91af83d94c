/**
 * Stochastic approximation: solving E[g(w, X)] = 0 or minimising E[L(w, X)] from noisy
 * observations, with SGD as one case. The running mean ({@link dev.nabla.optim.sa.IncrementalMean}),
 * the Robbins–Monro root finder, and the gradient-free minimisers Kiefer–Wolfowitz and SPSA,
 * driven by {@link dev.nabla.optim.sa.GainSequence}s.
 *
 * @see dev.nabla.optim.schedule.RobbinsMonroLR
 */
package dev.nabla.optim.sa;
