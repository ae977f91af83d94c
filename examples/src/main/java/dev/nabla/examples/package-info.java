/** The {@code nabla} command line and its example trainers. */
package dev.nabla.examples;
