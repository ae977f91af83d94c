/**
 * Convolutional building blocks over NCHW tensors, with PyTorch's semantics and parameter names:
 * convolutions ({@code Conv1d}, {@code Conv2d}, {@code ConvTranspose2d}); pooling
 * ({@link dev.nabla.nn.conv.MaxPool2d}, {@link dev.nabla.nn.conv.AvgPool2d},
 * {@link dev.nabla.nn.conv.AdaptiveAvgPool2d}); normalisation ({@link dev.nabla.nn.conv.BatchNorm2d},
 * {@link dev.nabla.nn.conv.GroupNorm}); and upsampling ({@link dev.nabla.nn.conv.PixelShuffle},
 * {@link dev.nabla.nn.conv.PixelUnshuffle}, {@link dev.nabla.nn.conv.Upsample}), each with a
 * functional form ({@link dev.nabla.nn.conv.Pooling}, {@link dev.nabla.nn.conv.Normalization},
 * {@link dev.nabla.nn.conv.Resampling}).
 *
 * @see dev.nabla.nn.Layer
 */
package dev.nabla.nn.conv;
