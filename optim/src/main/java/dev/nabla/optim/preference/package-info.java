/**
 * Preference optimisation: per-sequence log-probabilities of response tokens, the DPO family of
 * losses (sigmoid/DPO, conservative DPO, IPO, hinge) and reference log-probabilities
 * precomputed once, so that no frozen reference model has to stay in memory while training.
 *
 * @see dev.nabla.optim.preference.DPOLoss
 * @see dev.nabla.optim.preference.SequenceLogProbs
 * @see dev.nabla.optim.preference.ReferenceLogProbs
 */
package dev.nabla.optim.preference;
