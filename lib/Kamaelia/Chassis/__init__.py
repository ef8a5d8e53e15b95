"""Kamaelia.Chassis components."""
