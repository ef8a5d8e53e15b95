"""Kamaelia.Util components."""
