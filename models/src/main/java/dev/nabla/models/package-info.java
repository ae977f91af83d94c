/** Complete models built from the nn and attention layers (the model issues add them here). */
package dev.nabla.models;
