"""AeVP: the AutoEncoder Visualization Project."""

__version__ = "0.1.0"
