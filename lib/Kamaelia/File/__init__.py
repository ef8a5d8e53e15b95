"""Kamaelia.File components."""
