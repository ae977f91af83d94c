/**
 * Complete models built from the nn and attention layers (arrives with the model issues).
 */
package dev.nabla.models;
