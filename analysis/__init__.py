"""Indices, coupling coordination and simultaneous equations for province-by-year panels."""
