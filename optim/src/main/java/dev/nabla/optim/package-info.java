/**
 * Optimizers with PyTorch 1.13's update rules ({@link dev.nabla.optim.SGD},
 * {@link dev.nabla.optim.Adam}, {@link dev.nabla.optim.AdamW}, {@link dev.nabla.optim.RMSprop},
 * {@link dev.nabla.optim.Adagrad}), parameter groups, state dicts that resume bit-identically,
 * and gradient clipping ({@link dev.nabla.optim.GradClip}).
 *
 * @see dev.nabla.optim.Optimizer
 * @see dev.nabla.optim.ParamGroup
 */
package dev.nabla.optim;
