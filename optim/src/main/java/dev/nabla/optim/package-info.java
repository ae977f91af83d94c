/**
 * Optimizers with parameter groups and state dicts (arrives with the optim issue).
 */
package dev.nabla.optim;
