/** Data sets and their file formats (MNIST IDX for now; text corpora and detection data later). */
package dev.nabla.models.data;
