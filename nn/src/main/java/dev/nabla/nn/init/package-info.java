/**
 * Weight initialisation as {@code torch.nn.init}: uniform, normal, constant, Xavier/Glorot,
 * Kaiming/He, orthogonal and truncated normal, each with an explicit random generator.
 *
 * @see dev.nabla.nn.init.Init
 */
package dev.nabla.nn.init;
