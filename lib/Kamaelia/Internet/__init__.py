"""Kamaelia.Internet components."""
