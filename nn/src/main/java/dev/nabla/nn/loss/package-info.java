/**
 * Loss functions with PyTorch's semantics, as classes ({@link dev.nabla.nn.loss.CrossEntropyLoss},
 * …, each a {@link dev.nabla.nn.loss.Loss}) and as static functions in
 * {@link dev.nabla.nn.loss.Losses}: cross-entropy, NLL, MSE, L1, smooth L1, Huber, BCE,
 * BCE-with-logits and KL divergence, reduced as {@link dev.nabla.nn.loss.Reduction} says.
 *
 * @see <a href="https://pytorch.org/docs/1.13/nn.html#loss-functions">torch.nn loss functions</a>
 */
package dev.nabla.nn.loss;
