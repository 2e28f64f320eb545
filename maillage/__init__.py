"""Maillage: territorial cooperation and public innovation platform."""

__version__ = "0.1.0"
