/**
 * Scaled dot-product attention (reference, tiled flash, linear) and the attention layers that call it (arrives with the attention issue).
 */
package dev.nabla.attention;
