/**
 * Data loading: an indexable {@link dev.nabla.core.data.Dataset}, and a
 * {@link dev.nabla.core.data.DataLoader} that turns it into batches (seeded shuffling per epoch,
 * drop-last, a {@link dev.nabla.core.data.Collate} function, optional prefetching on one
 * background thread).
 *
 * @see dev.nabla.core.data.PaddedBatch
 */
package dev.nabla.core.data;
